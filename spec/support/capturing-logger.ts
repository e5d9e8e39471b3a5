import type { Logger } from 'typeorm'

/** One statement TypeORM sent to the database. */
export interface CapturedQuery {
  readonly sql: string
  readonly parameters: readonly unknown[]
  /**
   * True when the driver writes numeric parameters into the SQL as literals (`= 1` instead of `= $1`; SQLite),
   * so an assertion on a bound tenant must also accept, and compare, a literal.
   */
  readonly inlinesNumbers?: boolean
}

/** A TypeORM logger that records every statement, so specs can assert the SQL that was really sent. */
export class CapturingLogger implements Logger {
  readonly queries: CapturedQuery[] = []

  /** @param inlinesNumbers the driver inlines numeric parameters (see {@link CapturedQuery.inlinesNumbers}). */
  constructor(protected readonly inlinesNumbers = false) {}

  logQuery(query: string, parameters?: unknown[]): void {
    this.queries.push({ sql: query, parameters: parameters ?? [], ...(this.inlinesNumbers ? { inlinesNumbers: true } : {}) })
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}

  clear(): void {
    this.queries.length = 0
  }

  /** Statements that are not schema introspection or transaction control. */
  get statements(): CapturedQuery[] {
    return this.queries.filter((q) => !/^(START TRANSACTION|COMMIT|ROLLBACK|BEGIN|SAVEPOINT|RELEASE|SELECT version\(\)|SELECT \* FROM current_)/i.test(q.sql))
  }

  /** The last statement whose SQL matches `pattern`; fails when there is none. */
  last(pattern: RegExp = /./): CapturedQuery {
    const found = [...this.statements].reverse().find((q) => pattern.test(q.sql))
    if (!found) throw new Error(`no statement matched ${String(pattern)}; sent:\n${this.statements.map((q) => q.sql).join('\n')}`)
    return found
  }
}
