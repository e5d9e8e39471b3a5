/**
 * The test failure {@link expectIsolated} throws when a query returned a row of another tenant (or could not
 * have failed). It carries `actual` and `expected` with `showDiff`, so mocha and most runners print a diff:
 * `expected` holds the rows that belong to the tenant, `actual` every row the query returned.
 */
export class IsolationAssertionError extends Error {
  readonly showDiff: boolean

  constructor(
    message: string,
    readonly actual?: unknown,
    readonly expected?: unknown,
  ) {
    super(message)
    this.name = 'IsolationAssertionError'
    this.showDiff = actual !== undefined && expected !== undefined
  }
}
