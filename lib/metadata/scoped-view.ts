import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import { TenancyConfigurationError } from '../errors'
import type { Scope } from './scoped-entity'

/**
 * The scope of a scoped table that an unscoped `@ViewEntity` reads, or `undefined`. The view's expression
 * (its SQL string, or the SQL of the query builder its function returns, built under a bypass) is scanned for
 * table names: every identifier, quoted or not, anywhere in the text (see `identifiersOf`), is looked up by `scopeOfName` (the
 * scoped tables by bare name, as the read filter compares table strings, and the views already found to read
 * one, so a view over such a view is found too). Deliberately coarse: a column that happens to be
 * spelled like a scoped table also counts (the view is then refused under a tenant rather than leaked).
 *
 * A view with no expression (`synchronize: false`, defined by a migration) cannot be inspected; the
 * shared-table check still refuses one whose name is the name of a scoped table.
 *
 * ```ts
 * @ViewEntity({ expression: 'SELECT "organizationId", count(*) AS n FROM "support_ticket" GROUP BY 1' })
 * class TicketCounts { ... }  // not @TenantScoped: scopedTableReadByView(...) is SupportTicket's scope
 * ```
 */
export function scopedTableReadByView(
  metadata: EntityMetadata,
  scopeOfName: (name: string) => Scope | undefined,
  underBypass: <R>(fn: () => R) => R,
): Scope | undefined {
  const expression = metadata.expression
  if (expression === undefined) return undefined
  let sql: string
  if (typeof expression === 'string') {
    sql = expression
  } else {
    try {
      sql = underBypass(() => expression(metadata.connection).getQuery())
    } catch (error) {
      throw TenancyConfigurationError.uninspectableView(metadata.name, error)
    }
  }
  for (const identifier of identifiersOf(sql)) {
    const scope = scopeOfName(identifier)
    if (scope !== undefined) return scope
  }
  return undefined
}

/**
 * Every name an SQL text could refer to a table by, read generously: each word and each quoted identifier
 * anywhere in the text, *including* string literals and comments (a literal can hold SQL that a function runs,
 * `query_to_xml('select ... from ticket', ...)`; MySQL runs the body of an executable comment, slash-star-bang), and
 * PostgreSQL `U&"..."` identifiers decoded (`U&"support\005fticket"` is `support_ticket`).
 */
function identifiersOf(sql: string): string[] {
  const found: string[] = []
  for (const match of sql.matchAll(/[Uu]&"((?:[^"]|"")+)"(?:\s+UESCAPE\s+'(.)')?/g)) found.push(decodeUnicodeIdentifier(match[1]!, match[2] ?? '\\'))
  for (const match of sql.matchAll(/"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|([A-Za-z_][A-Za-z0-9_$]*)/g)) {
    const name = match[1] ?? match[2] ?? match[3] ?? match[4]
    if (name !== undefined) found.push(name)
  }
  return found
}

/** A `U&"..."` identifier's text with its `\XXXX` and `\+XXXXXX` escapes decoded. */
function decodeUnicodeIdentifier(text: string, escape: string): string {
  const e = escape.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return text
    .replace(/""/g, '"')
    .replace(new RegExp(`${e}(?:\\+([0-9A-Fa-f]{6})|([0-9A-Fa-f]{4})|(${e}))`, 'g'), (_all, six?: string, four?: string, self?: string) =>
      self !== undefined ? escape : String.fromCodePoint(Number.parseInt((six ?? four)!, 16)),
    )
}
