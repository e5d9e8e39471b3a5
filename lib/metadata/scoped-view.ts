import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import { TenancyConfigurationError } from '../errors'
import type { Scope } from './scoped-entity'

/**
 * The scope of a scoped table that an unscoped `@ViewEntity` reads, or `undefined`. The view's expression
 * (its SQL string, or the SQL of the query builder its function returns, built under a bypass) is scanned for
 * table names: every identifier, quoted or not, outside string literals, is looked up by `scopeOfName` (the
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

/** The identifiers of an SQL text, quoted ones unquoted, string literals and comments skipped. */
function identifiersOf(sql: string): string[] {
  const text = sql.replace(/'(?:[^']|'')*'/g, ' ').replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ')
  const found: string[] = []
  for (const match of text.matchAll(/"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|([A-Za-z_][A-Za-z0-9_$]*)/g)) {
    const name = match[1] ?? match[2] ?? match[3] ?? match[4]
    if (name !== undefined) found.push(name)
  }
  return found
}
