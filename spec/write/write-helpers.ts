import { expect } from 'chai'
import type { DataSource } from 'typeorm'
import { CrossTenantWriteError, runWithoutTenant } from '../../lib'
import type { CapturingLogger } from '../support/capturing-logger'

/** Every row of a table, read with plain SQL under the bypass (outside the filter), ordered by `order`. */
export function rawRows(dataSource: DataSource, table: string, order = 'id'): Promise<Array<Record<string, unknown>>> {
  const q = (name: string): string => dataSource.driver.escape(name)
  const schema = (dataSource.options as { schema?: string }).schema
  const name = schema ? `${q(schema)}.${q(table)}` : q(table)
  return runWithoutTenant(() => dataSource.query(`SELECT * FROM ${name} ORDER BY ${q(order)}`))
}

/** The rows of one tenant as JSON text, to compare byte for byte before and after a write. */
export async function tenantSnapshot(dataSource: DataSource, table: string, tenantId: number, order = 'id'): Promise<string> {
  const rows = await rawRows(dataSource, table, order)
  return JSON.stringify(rows.filter((r) => r['organizationId'] === tenantId))
}

/** Runs `fn`, expects a CrossTenantWriteError, and that no INSERT/UPDATE/DELETE reached the database. */
export async function expectRefused(logger: CapturingLogger, fn: () => Promise<unknown>, errorClass: Function = CrossTenantWriteError): Promise<Error> {
  logger.clear()
  let error: unknown
  try {
    await fn()
  } catch (e) {
    error = e
  }
  expect(error, 'the write should have been refused').to.be.instanceOf(errorClass)
  const writes = logger.statements.filter((q) => /^\s*(INSERT|UPDATE|DELETE)/i.test(q.sql))
  expect(writes.map((q) => q.sql), 'no write statement may be sent').to.deep.equal([])
  return error as Error
}

/** The write statements sent since the logger was last cleared. */
export function writesSent(logger: CapturingLogger): string[] {
  return logger.statements.filter((q) => /^\s*(INSERT|UPDATE|DELETE)/i.test(q.sql)).map((q) => q.sql)
}

/**
 * A regular expression over SQL of any dialect: in `source`, `"` matches either identifier quote ("" or ``)
 * and `$P` matches a bound parameter (`$1` on PostgreSQL, `?` on MariaDB) or an inlined number (sql.js).
 */
export function sqlRe(source: string): RegExp {
  return new RegExp(source.replace(/"/g, '["`]').replace(/\$P/g, () => String.raw`(?:\$\d+|\?|\d+)`))
}

/** The tenant id went to the database: as a bound parameter, or inlined as a literal (sql.js inlines numbers). */
export function expectTenantSent(query: { sql: string; parameters: readonly unknown[] }, tenantId: number): void {
  if (query.parameters.includes(tenantId)) return
  expect(query.sql).to.match(sqlRe(`"organizationId" = ${tenantId}\\b`))
}
