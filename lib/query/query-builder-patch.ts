import { QueryBuilder, SelectQueryBuilder } from 'typeorm'
import { runtimeOf } from '../install/runtime-registry'
import { dataSourceOf, type QueryBuilderInternals } from './query-builder-internals'
import { TENANT_PARAMETER, tenantPredicate } from './tenant-predicate'

type Method = (this: QueryBuilderInternals, ...args: unknown[]) => unknown

let patched = false

/**
 * Wraps three methods of TypeORM's query builders, once per process. The wrappers do nothing for builders
 * of DataSources on which tenancy is not installed.
 *
 * - `QueryBuilder.createWhereExpression` (SELECT, UPDATE, DELETE, soft delete, restore): the tenant
 *   condition of every scoped FROM table is ANDed to the WHERE clause as its own term, after the user's
 *   conditions are parenthesised, so no `.orWhere()`, `Brackets` or `where` array can escape it.
 * - `SelectQueryBuilder.createJoinExpression`: the condition of every scoped joined table goes into its
 *   ON clause, ANDed with the user's condition in parentheses; a LEFT JOIN stays a LEFT JOIN.
 * - `QueryBuilder.getParameters`: adds the tenant id as the `__tenancy_tenant` parameter.
 *
 * Conditions are built when SQL is built, in the caller's async flow: a builder made under one tenant and
 * run under another gets the second tenant's condition.
 */
export function patchQueryBuilders(): void {
  if (patched) return
  patched = true
  const base = QueryBuilder.prototype as unknown as Record<string, Method>
  const select = SelectQueryBuilder.prototype as unknown as Record<string, Method>

  const createWhereExpression = base['createWhereExpression']!
  base['createWhereExpression'] = function (this: QueryBuilderInternals) {
    const runtime = runtimeOf(dataSourceOf(this))
    if (runtime === undefined || !runtime.queryFilter) return createWhereExpression.call(this)
    const map = this.expressionMap
    let condition = ''
    for (const alias of map.aliases) {
      if ((alias.type !== 'from' && alias !== map.mainAlias) || !alias.hasMetadata) continue
      const scope = runtime.scopeOf(alias.metadata)
      if (scope === undefined || runtime.contextFor(scope).kind !== 'tenant') continue
      const prefix = map.aliasNamePrefixingEnabled
        ? this.escape(alias.name) + '.'
        : scope.kind === 'junction'
          ? this.getTableName(alias.metadata.tablePath) + '.'
          : ''
      const predicate = tenantPredicate(this, scope, prefix)
      condition = condition === '' ? predicate : `${condition} AND ${predicate}`
    }
    if (condition === '') return createWhereExpression.call(this)
    const extra = map.extraAppendedAndWhereCondition
    map.extraAppendedAndWhereCondition = extra ? `(${extra}) AND ${condition}` : condition
    try {
      return createWhereExpression.call(this)
    } finally {
      map.extraAppendedAndWhereCondition = extra
    }
  }

  const createJoinExpression = select['createJoinExpression']!
  select['createJoinExpression'] = function (this: QueryBuilderInternals) {
    const runtime = runtimeOf(dataSourceOf(this))
    if (runtime === undefined || !runtime.queryFilter) return createJoinExpression.call(this)
    const joins = this.expressionMap.joinAttributes
    let saved: Array<[(typeof joins)[number], string | undefined]> | undefined
    for (const join of joins) {
      const alias = join.alias
      if (!alias.hasMetadata) continue
      const scope = runtime.scopeOf(alias.metadata)
      if (scope === undefined || runtime.contextFor(scope).kind !== 'tenant') continue
      const predicate = tenantPredicate(this, scope, this.escape(alias.name) + '.')
      ;(saved ??= []).push([join, join.condition])
      join.condition = join.condition ? `(${join.condition}) AND ${predicate}` : predicate
    }
    if (saved === undefined) return createJoinExpression.call(this)
    try {
      return createJoinExpression.call(this)
    } finally {
      for (const [join, condition] of saved) join.condition = condition
    }
  }

  const getParameters = base['getParameters']!
  base['getParameters'] = function (this: QueryBuilderInternals) {
    const parameters = getParameters.call(this) as Record<string, unknown>
    const runtime = runtimeOf(dataSourceOf(this))
    if (runtime !== undefined) {
      const context = runtime.store.get()
      if (context?.kind === 'tenant') parameters[TENANT_PARAMETER] = context.tenantId
    }
    return parameters
  }
}
