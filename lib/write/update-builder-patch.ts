import { DeleteQueryBuilder, UpdateQueryBuilder } from 'typeorm'
import { SoftDeleteQueryBuilder } from 'typeorm/query-builder/SoftDeleteQueryBuilder'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import { UnfilterableQueryError } from '../errors'
import { runtimeOf } from '../install/runtime-registry'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import { assertReferencesOwned, junctionReferences, relationReferences } from './owned-rows'
import { builderDataSource, mainMetadata, type WriteBuilderInternals } from './write-builder-internals'
import { checkUpdateValues, referenceTenant, writeTenant } from './write-tenant'
import { assertWriteTargetResolved } from './unresolved-table'

type Method = (this: WriteBuilderInternals, ...args: unknown[]) => unknown

/**
 * Completes the read filter for UPDATE, DELETE, soft delete and restore (whose WHERE already carries the
 * tenant condition through `createWhereExpression`):
 *
 * - `DeleteQueryBuilder.getQuery`: refuses, under a tenant, a DELETE of an unscoped entity that a scoped table
 *   or junction references with a cascading `ON DELETE` (see `refuseCascadingDelete`).
 * - `getQuery` of each: for an entity with shared rows (`shared: 'null'`), the statement also gets
 *   `tenant IS NOT NULL`, so a tenant reads shared rows but never changes or deletes them.
 * - `UpdateQueryBuilder.getValueSet`: refuses a SET that moves a row to another tenant.
 * - `UpdateQueryBuilder.execute`: a SET that points a foreign key at a scoped entity (or a junction row's end
 *   at a scoped row) must name a row of the current tenant (one filtered SELECT); also for an unscoped entity
 *   updated under a tenant (see `referenceTenant`).
 */
export function patchUpdateBuilders(): void {
  for (const cls of [UpdateQueryBuilder, DeleteQueryBuilder, SoftDeleteQueryBuilder]) {
    const proto = cls.prototype as unknown as Record<string, Method>
    const getQuery = proto['getQuery']!
    proto['getQuery'] = function (this: WriteBuilderInternals) {
      assertWriteTargetResolved(this)
      if (cls === DeleteQueryBuilder) refuseCascadingDelete(this)
      const condition = sharedRowsExcluded(this)
      if (condition === undefined) return getQuery.call(this)
      const map = this.expressionMap
      const extra = map.extraAppendedAndWhereCondition
      map.extraAppendedAndWhereCondition = extra ? `(${extra}) AND ${condition}` : condition
      try {
        return getQuery.call(this)
      } finally {
        map.extraAppendedAndWhereCondition = extra
      }
    }
  }

  const update = UpdateQueryBuilder.prototype as unknown as Record<string, Method>
  const getValueSet = update['getValueSet']!
  update['getValueSet'] = function (this: WriteBuilderInternals) {
    const values = getValueSet.call(this) as object
    const runtime = runtimeOf(builderDataSource(this))
    const metadata = mainMetadata(this)
    if (runtime === undefined || metadata === undefined) return values
    const scope = runtime.entityScopeOf(metadata)
    if (scope === undefined) return values
    const tenantId = writeTenant(runtime, scope)
    if (tenantId !== undefined) checkUpdateValues(scope, values, tenantId)
    return values
  }

  const execute = update['execute']!
  update['execute'] = async function (this: WriteBuilderInternals, ...args: unknown[]) {
    assertWriteTargetResolved(this)
    const runtime = runtimeOf(builderDataSource(this))
    const metadata = mainMetadata(this)
    if (runtime !== undefined && metadata !== undefined && referenceTenant(runtime, metadata) !== undefined) {
      const scope = runtime.scopeOf(metadata)
      const values = (this as unknown as { getValueSet(): object }).getValueSet()
      // a junction row's new ends, like an inserted one's; an entity's foreign keys to scoped rows
      const references = scope?.kind === 'junction' ? junctionReferences(scope.ends, [values]) : relationReferences(runtime, metadata, [values])
      if (references.length > 0) await assertReferencesOwned(runtime, this.queryRunner, metadata.name, references)
    }
    return execute.apply(this, args)
  }
}

/**
 * A DELETE of an unscoped entity (a shared `Customer`) under a tenant, when a scoped table or a junction of one
 * references it with `ON DELETE CASCADE` / `SET NULL` / `SET DEFAULT` (a many-to-many junction cascades by
 * default): the database would delete or unlink every tenant's referencing rows. Refused with
 * {@link UnfilterableQueryError}; an admin job deletes shared rows inside `runWithoutTenant`.
 */
function refuseCascadingDelete(qb: WriteBuilderInternals): void {
  const runtime = runtimeOf(builderDataSource(qb))
  const metadata = mainMetadata(qb)
  if (runtime === undefined || metadata === undefined || runtime.scopeOf(metadata) !== undefined) return
  if (runtime.store.get()?.kind !== 'tenant') return
  const referencing = cascadingReferrer(runtime, metadata)
  if (referencing !== undefined) throw UnfilterableQueryError.cascadingDelete(metadata.name, referencing)
}

const referrers = new WeakMap<EntityMetadata, string | null>()

/** The first scoped entity or junction whose foreign key to `metadata` deletes or changes rows on delete. */
function cascadingReferrer(runtime: TenancyRuntime, metadata: EntityMetadata): string | undefined {
  let found = referrers.get(metadata)
  if (found === undefined) {
    found = null
    const targets = new Set<EntityMetadata>([metadata, ...metadata.childEntityMetadatas])
    if (metadata.parentEntityMetadata) targets.add(metadata.parentEntityMetadata)
    for (const other of runtime.dataSource.entityMetadatas) {
      if (runtime.scopeOf(other) === undefined) continue
      const cascades = other.foreignKeys.some((fk) => targets.has(fk.referencedEntityMetadata) && CASCADING.has(String(fk.onDelete ?? '').toUpperCase()))
      if (cascades) {
        found = other.name
        break
      }
    }
    referrers.set(metadata, found)
  }
  return found ?? undefined
}

const CASCADING = new Set(['CASCADE', 'SET NULL', 'SET DEFAULT'])

/** `"t"."organizationId" IS NOT NULL` for a shared-rows entity under a tenant; `undefined` otherwise. */
function sharedRowsExcluded(qb: WriteBuilderInternals): string | undefined {
  const runtime = runtimeOf(builderDataSource(qb))
  const metadata = mainMetadata(qb)
  if (runtime === undefined || metadata === undefined) return undefined
  const scope = runtime.entityScopeOf(metadata)
  if (scope === undefined || !scope.shared) return undefined
  if (writeTenant(runtime, scope) === undefined) return undefined
  const map = qb.expressionMap
  const prefix = map.aliasNamePrefixingEnabled ? qb.escape(map.mainAlias!.name) + '.' : ''
  return `${prefix}${qb.escape(scope.column.databaseName)} IS NOT NULL`
}
