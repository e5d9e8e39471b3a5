/**
 * Rewrites a MySQL/MariaDB or SQLite statement into PostgreSQL's spelling, for assertions only: backtick
 * identifiers become double-quoted and positional `?` placeholders become `$1..$n` (their parameters are
 * positional in the same order). String literals are left alone. The statement sent to the database is
 * unchanged; `CapturedQuery.sql` holds this form so the suite's PostgreSQL-style patterns apply to every
 * dialect, and `DialectCapturingLogger.raw` keeps what was really sent.
 */
export function toPostgresSpelling(sql: string): string {
  let out = ''
  let n = 0
  let inString = false
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!
    if (inString) {
      out += ch
      if (ch === "'") inString = false
      continue
    }
    if (ch === "'") {
      inString = true
      out += ch
    } else if (ch === '`') {
      out += '"'
    } else if (ch === '?') {
      out += `$${++n}`
    } else {
      out += ch
    }
  }
  return out
}
