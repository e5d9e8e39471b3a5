import type { TenantContext } from '../context/tenant-context'
import type { Scope, ScopedEntity } from '../metadata/scoped-entity'
import type { QueryBuilderInternals } from './query-builder-internals'

/**
 * The name of the query parameter that carries the tenant id. The plugin adds it to the parameters of
 * every builder of a protected DataSource when a tenant is in context.
 */
export const TENANT_PARAMETER = '__tenancy_tenant'

/**
 * The name of the parameter that the bypass marker refers to. Under `runWithoutTenant`, a query on a scoped
 * table carries {@link BYPASS_MARKER}, and the plugin binds this parameter (to 1) only for a builder executed
 * under a bypass. SQL text built under a bypass and pasted into a tenant's query (a memoised
 * `qb.getQuery()` used as a subquery string) is then left with an unbound `:__tenancy_bypass`: every TypeORM
 * driver (postgres, mysql/mariadb, sqlite, 0.3 and 1.x) leaves an unknown named parameter as is in the SQL,
 * which the database refuses as a syntax error, so the statement fails closed.
 */
export const BYPASS_PARAMETER = '__tenancy_bypass'

/** The term a bypass query on a scoped table carries: true only when executed under a bypass. */
export const BYPASS_MARKER = `1 = :${BYPASS_PARAMETER}`

/**
 * The SQL condition that keeps `scope` to the current tenant, for a table referred to as `prefix`
 * (`"alias".`, `"table".` or `''`). Always one parenthesised-safe term, so it can be ANDed anywhere.
 *
 * - entity: `"t"."organizationId" = :__tenancy_tenant`
 * - entity with shared rows: `("t"."organizationId" = :__tenancy_tenant OR "t"."organizationId" IS NULL)`
 * - junction: `EXISTS (SELECT 1 FROM "tag" "tenancy_end_0" WHERE "tenancy_end_0"."id" = "j"."tagId" AND ...)`
 */
export function tenantPredicate(qb: QueryBuilderInternals, scope: Scope, prefix: string): string {
  if (scope.kind === 'entity') return entityPredicate(qb, scope, prefix)
  let sql = ''
  scope.ends.forEach((end, index) => {
    const sub = qb.escape(`tenancy_end_${index}`)
    const join = end.referencedColumns
      .map((referenced, i) => `${sub}.${qb.escape(referenced.databaseName)} = ${prefix}${qb.escape(end.junctionColumns[i]!.databaseName)}`)
      .join(' AND ')
    const term =
      `EXISTS (SELECT 1 FROM ${qb.getTableName(end.target.metadata.tablePath)} ${sub} ` +
      `WHERE ${join} AND ${entityPredicate(qb, end.target, sub + '.')})`
    sql = sql === '' ? term : `${sql} AND ${term}`
  })
  return sql
}

function entityPredicate(qb: QueryBuilderInternals, scope: ScopedEntity, prefix: string): string {
  const column = prefix + qb.escape(scope.column.databaseName)
  const equals = `${column} = :${TENANT_PARAMETER}`
  return scope.shared ? `(${equals} OR ${column} IS NULL)` : equals
}

/** True when the context asks for the tenant condition (false under `runWithoutTenant`). */
export function isFiltered(context: TenantContext): boolean {
  return context.kind === 'tenant'
}
