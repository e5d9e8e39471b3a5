import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { Scope } from './scoped-entity'

/**
 * The key a table path is compared by: quotes, backticks and brackets removed, the last dotted segment
 * (the table name without database or schema), lower-cased. Deliberately coarse: a table of the same name
 * in another schema counts as the scoped one (refused rather than leaked).
 *
 * ```ts
 * tableNameKey('"mydb"."public"."Support_Ticket"') // 'support_ticket'
 * tableNameKey('`shop`.`adv_ticket`')              // 'adv_ticket'
 * ```
 */
export function tableNameKey(tablePath: string): string {
  const bare = tablePath.replace(/["`[\]]/g, '').trim()
  const dot = bare.lastIndexOf('.')
  return (dot === -1 ? bare : bare.slice(dot + 1)).trim().toLowerCase()
}

/** True when an alias's table path is a subquery (`(SELECT ...)`) rather than a table name. */
export function isSubqueryPath(tablePath: string): boolean {
  const trimmed = tablePath.trim()
  return trimmed.startsWith('(') && trimmed.endsWith(')')
}

/**
 * The tables of the scoped entities and junctions of one DataSource, by {@link tableNameKey}. Built by
 * `TenancyRuntime.validate()`; read through `runtime.scopeOfTableName(path)` by the read filter (aliases with
 * no metadata) and by the write guard (INSERT/UPDATE/DELETE on a table path string).
 */
export class ScopedTableNames {
  private readonly byKey = new Map<string, Scope>()

  constructor(metadatas: readonly EntityMetadata[], scopeOf: (metadata: EntityMetadata) => Scope | undefined) {
    for (const metadata of metadatas) {
      const scope = scopeOf(metadata)
      if (scope === undefined) continue
      for (const path of [metadata.tablePath, metadata.tableName]) {
        const key = tableNameKey(path)
        if (key !== '' && !this.byKey.has(key)) this.byKey.set(key, scope)
      }
    }
  }

  /** The scope whose table `tablePath` names, or `undefined` (also for subqueries). */
  scopeOf(tablePath: string | undefined): Scope | undefined {
    if (tablePath === undefined || this.byKey.size === 0 || isSubqueryPath(tablePath)) return undefined
    return this.byKey.get(tableNameKey(tablePath))
  }
}
