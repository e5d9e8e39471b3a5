import type { DataSource } from 'typeorm'

/**
 * Runs a raw statement written in PostgreSQL's spelling on any dialect: `"identifiers"` are quoted by the
 * driver (backticks on MariaDB) and `$n` placeholders become positional `?` with their parameters repeated
 * and reordered to match (a `$1` used twice binds its value twice). String literals are left alone. On
 * PostgreSQL the statement is sent unchanged. For a spec's own checks (counting rows as an admin, planting
 * a row), never for the plugin's SQL.
 *
 * ```ts
 * await queryAsPostgres(ds, `SELECT * FROM ${tablePath(ds, 'ticket')} WHERE "orgId" = $1 OR "ownerId" = $1`, [B])
 * // MariaDB: SELECT * FROM `db`.`ticket` WHERE `orgId` = ? OR `ownerId` = ?   [B, B]
 * ```
 */
export function queryAsPostgres<T = unknown>(dataSource: DataSource, sql: string, parameters: readonly unknown[] = []): Promise<T> {
  if (dataSource.options.type === 'postgres') return dataSource.query(sql, [...parameters])
  const [spelled, bound] = toDriverSpelling(sql, parameters, (name) => dataSource.driver.escape(name))
  return dataSource.query(spelled, bound)
}

/** The statement and parameters {@link queryAsPostgres} sends on a `?`-placeholder dialect. */
export function toDriverSpelling(sql: string, parameters: readonly unknown[], escape: (name: string) => string): [string, unknown[]] {
  let out = ''
  const bound: unknown[] = []
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!
    if (ch === "'") {
      const end = sql.indexOf("'", i + 1)
      const stop = end < 0 ? sql.length : end + 1
      out += sql.slice(i, stop)
      i = stop - 1
    } else if (ch === '"') {
      const end = sql.indexOf('"', i + 1)
      if (end < 0) throw new Error(`unbalanced " in: ${sql}`)
      out += escape(sql.slice(i + 1, end))
      i = end
    } else if (ch === '$' && /\d/.test(sql[i + 1] ?? '')) {
      const digits = /^\d+/.exec(sql.slice(i + 1))![0]
      const index = Number(digits) - 1
      if (index >= parameters.length) throw new Error(`$${digits} has no parameter in: ${sql}`)
      bound.push(parameters[index])
      out += '?'
      i += digits.length
    } else {
      out += ch
    }
  }
  return [out, bound]
}
