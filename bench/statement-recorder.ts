import type { Logger } from 'typeorm'

/** One statement a DataSource sent, with its parameters. */
export interface Statement {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

/**
 * A TypeORM logger that keeps the statements a DataSource sends, until {@link take} hands them over. Set it on an
 * initialized DataSource with `dataSource.setOptions({ logger, logging: ['query'] })`.
 */
export class StatementRecorder implements Logger {
  private statements: Statement[] = []

  logQuery(query: string, parameters?: unknown[]): void {
    this.statements.push({ sql: query, parameters: parameters ?? [] })
  }

  /** The statements sent since the last call. */
  take(): Statement[] {
    const taken = this.statements
    this.statements = []
    return taken
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
