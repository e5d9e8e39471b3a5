import { CapturingLogger, type CapturedQuery } from '../capturing-logger'
import { toPostgresSpelling } from './sql-for-assertions'

/**
 * A {@link CapturingLogger} for MariaDB and SQLite: `queries` hold each statement in PostgreSQL spelling,
 * with bare table names qualified by `namespace` (the spec file's database on MariaDB, `main` on SQLite) the
 * way TypeORM qualifies them with the schema on PostgreSQL, so one pattern fits every dialect. `raw` keeps
 * the statements exactly as they were sent.
 */
export class DialectCapturingLogger extends CapturingLogger {
  readonly raw: CapturedQuery[] = []

  constructor(
    private readonly namespace: string,
    inlinesNumbers = false,
  ) {
    super(inlinesNumbers)
  }

  override logQuery(query: string, parameters?: unknown[]): void {
    this.raw.push({ sql: query, parameters: parameters ?? [], ...(this.inlinesNumbers ? { inlinesNumbers: true } : {}) })
    const spelled = toPostgresSpelling(query).replace(/\b(FROM|JOIN|INTO|UPDATE|TABLE) "([^"]+)"(?!\.)/g, `$1 "${this.namespace}"."$2"`)
    super.logQuery(spelled, parameters)
  }

  override clear(): void {
    this.raw.length = 0
    super.clear()
  }
}
