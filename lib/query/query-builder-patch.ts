import { QueryBuilder, SelectQueryBuilder, type DataSource } from 'typeorm'
import { UnfilterableQueryError } from '../errors'
import { runtimeOf } from '../install/runtime-registry'
import { refuseUnprotected } from '../install/unprotected-data-source'
import { conditionImbalance, usesBackslashEscapes } from './condition-balance'
import { dataSourceOf, type QueryBuilderInternals } from './query-builder-internals'
import { isViewDefinition } from './view-definition'
import { BYPASS_MARKER, BYPASS_PARAMETER, TENANT_PARAMETER, tenantPredicate } from './tenant-predicate'

type Method = (this: QueryBuilderInternals, ...args: unknown[]) => unknown

let patched = false

/**
 * Wraps three methods of TypeORM's query builders, once per process. On a DataSource on which tenancy is
 * not installed they only refuse `@TenantScoped` entities (TenancyNotInstalledError) unless the DataSource
 * was passed to `allowUnprotectedDataSource`.
 *
 * - `QueryBuilder.createWhereExpression` (SELECT, UPDATE, DELETE, soft delete, restore): the tenant
 *   condition of every scoped FROM table is ANDed to the WHERE clause as its own term, after the user's
 *   conditions are parenthesised, so no `.orWhere()`, `Brackets` or `where` array can escape it.
 * - `SelectQueryBuilder.createJoinExpression`: the condition of every scoped joined table goes into its
 *   ON clause, ANDed with the user's condition in parentheses; a LEFT JOIN stays a LEFT JOIN.
 * - `QueryBuilder.getParameters`: adds the tenant id as the `__tenancy_tenant` parameter, and under a bypass
 *   `__tenancy_bypass` = 1 (see BYPASS_MARKER: a bypass query on a scoped table carries `1 = :__tenancy_bypass`).
 * - A table named by a string TypeORM does not map to an entity (`from('public.ticket', 't')`) that names a
 *   scoped table is refused under a tenant (UnfilterableQueryError), as is an unscoped `@ViewEntity` whose
 *   expression reads a scoped table, and a user where/ON text whose parentheses, quotes or comments could
 *   escape the wrapping parentheses.
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
    const dataSource = dataSourceOf(this)
    const runtime = runtimeOf(dataSource)
    const map = this.expressionMap
    if (runtime === undefined) {
      // Not installed here: refuse @TenantScoped entities (from and join aliases) unless explicitly allowed.
      for (const alias of map.aliases) if (alias.hasMetadata) refuseUnprotected(dataSource, alias.metadata)
      return createWhereExpression.call(this)
    }
    // TypeORM building a view's definition (CREATE VIEW, synchronize) with no context: no tenant condition
    if (isViewDefinition(this) && runtime.store.get() === undefined) return createWhereExpression.call(this)
    let condition = ''
    let bypassed = false
    let firstScoped: string | undefined
    for (const alias of map.aliases) {
      if (!alias.hasMetadata) {
        // a table named by a string TypeORM could not map to an entity: refuse it when it is a scoped table
        const scope = alias.tablePath === undefined ? undefined : runtime.scopeOfTableName(alias.tablePath)
        if (scope === undefined) continue
        if (runtime.contextFor(scope).kind === 'tenant') throw UnfilterableQueryError.tablePathOfScopedEntity(alias.tablePath!, alias.name, scope.name)
        bypassed = true
        continue
      }
      const scope = runtime.scopeOf(alias.metadata)
      if (scope === undefined) {
        // an unscoped view over a scoped table holds every tenant's rows: only a bypass may read it
        const read = runtime.scopedTableOfView(alias.metadata)
        if (read === undefined) continue
        if (runtime.contextFor(read).kind === 'tenant') throw UnfilterableQueryError.viewOfScopedEntity(alias.metadata.name, alias.name, read.name)
        bypassed = true
        continue
      }
      if (alias.type !== 'from' && alias !== map.mainAlias) {
        // a join: its condition goes into ON (createJoinExpression); here it only needs the bypass marker
        if (runtime.store.get()?.kind === 'bypass') bypassed = true
        continue
      }
      if (runtime.contextFor(scope).kind !== 'tenant') {
        bypassed = true
        continue
      }
      if (!runtime.queryFilter) continue
      firstScoped ??= scope.name
      // a junction's EXISTS needs a qualified column: the alias where the FROM names one (every SELECT does, also
      // a subquery built with prefixing off, as TypeORM's closure-table DELETE does), else the table
      const prefix =
        map.aliasNamePrefixingEnabled || (scope.kind === 'junction' && this instanceof SelectQueryBuilder)
          ? this.escape(alias.name) + '.'
          : scope.kind === 'junction'
            ? this.getTableName(alias.metadata.tablePath) + '.'
            : ''
      const predicate = tenantPredicate(this, scope, prefix)
      condition = condition === '' ? predicate : `${condition} AND ${predicate}`
    }
    if (condition === '') {
      if (!bypassed || !runtime.queryFilter) return createWhereExpression.call(this)
      condition = BYPASS_MARKER
    } else if (map.wheres.length > 0) {
      assertBalanced(runtime.dataSource, this.createWhereClausesExpression(map.wheres), firstScoped!, 'where')
    }
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
    // no runtime: createWhereExpression refuses scoped join aliases (it sees every alias)
    if (runtime === undefined) return createJoinExpression.call(this)
    if (isViewDefinition(this) && runtime.store.get() === undefined) return createJoinExpression.call(this)
    const joins = this.expressionMap.joinAttributes
    let saved: Array<[(typeof joins)[number], string | undefined]> | undefined
    for (const join of joins) {
      const alias = join.alias
      if (!alias.hasMetadata) {
        const scope = alias.tablePath === undefined ? undefined : runtime.scopeOfTableName(alias.tablePath)
        if (scope !== undefined && runtime.contextFor(scope).kind === 'tenant') {
          throw UnfilterableQueryError.tablePathOfScopedEntity(alias.tablePath!, alias.name, scope.name)
        }
        continue
      }
      const scope = runtime.scopeOf(alias.metadata)
      if (scope === undefined || runtime.contextFor(scope).kind !== 'tenant' || !runtime.queryFilter) continue
      if (join.condition) assertBalanced(runtime.dataSource, join.condition, scope.name, 'join')
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
      if (context?.kind === 'bypass') parameters[BYPASS_PARAMETER] = 1
      // copied from a bypass builder (setParameters(other.getParameters())): never bound outside a bypass
      else if (parameters[BYPASS_PARAMETER] !== undefined) delete parameters[BYPASS_PARAMETER]
    }
    return parameters
  }
}

/** Refuses a user condition that could close the parentheses TypeORM wraps it in (see conditionImbalance). */
function assertBalanced(dataSource: DataSource, text: string, entity: string, where: 'where' | 'join'): void {
  const problem = conditionImbalance(text, usesBackslashEscapes(dataSource.options.type))
  if (problem !== undefined) throw UnfilterableQueryError.unbalancedCondition(entity, where, problem)
}
