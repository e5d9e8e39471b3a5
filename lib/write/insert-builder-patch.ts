import { InsertQueryBuilder } from 'typeorm'
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import { CrossTenantWriteError } from '../errors'
import { runtimeOf } from '../install/runtime-registry'
import { refuseUnprotected } from '../install/unprotected-data-source'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import type { ScopedEntity } from '../metadata/scoped-entity'
import { TENANT_PARAMETER } from '../query/tenant-predicate'
import type { TenantId } from '../tenant-id'
import { assertReferencesOwned, relationReferences, type Reference } from './owned-rows'
import { builderDataSource, mainMetadata, upsertDialect, type DriverInternals, type WriteBuilderInternals } from './write-builder-internals'
import { stampInsertValues, writeTenant } from './write-tenant'
import { upsertKeyedByTenant } from './upsert-rule'
import { assertWriteTargetResolved } from './unresolved-table'

type Method = (this: WriteBuilderInternals, ...args: unknown[]) => unknown

/**
 * Wraps three methods of `InsertQueryBuilder`, the one place every insert of TypeORM is built (save,
 * insert, upsert, cascades, the QueryBuilder, with or without listeners):
 *
 * - `getValueSets`: stamps every value set of a scoped entity with the current tenant when its tenant
 *   column is empty, and refuses one naming another tenant. It runs before the `beforeInsert` listeners
 *   and again when the SQL is built, so a listener cannot slip a foreign tenant in.
 * - `createInsertExpression`: gives an upsert's `DO UPDATE` a tenant condition (PostgreSQL, SQLite), or
 *   refuses the upsert where the dialect cannot carry one (MySQL, MariaDB) unless it is keyed by tenant.
 * - `execute`: checks that the rows the inserted row points at (many-to-one foreign keys, both ends of a
 *   junction row) belong to the current tenant, with one filtered SELECT per referenced entity.
 */
export function patchInsertBuilder(): void {
  const proto = InsertQueryBuilder.prototype as unknown as Record<string, Method>

  const getValueSets = proto['getValueSets']!
  proto['getValueSets'] = function (this: WriteBuilderInternals) {
    assertWriteTargetResolved(this)
    const valueSets = getValueSets.call(this) as object[]
    refuseIfUnprotected(this)
    const guard = insertGuard(this)
    if (guard === undefined || guard.scope === undefined) return valueSets
    if (this.expressionMap.insertFromSelect) throw CrossTenantWriteError.insertFromSelect(guard.scope.name, guard.scope.column.propertyPath)
    for (const values of valueSets) stampInsertValues(guard.scope, values, guard.tenantId)
    return valueSets
  }

  const createInsertExpression = proto['createInsertExpression']!
  proto['createInsertExpression'] = function (this: WriteBuilderInternals) {
    assertWriteTargetResolved(this)
    const guard = insertGuard(this)
    const map = this.expressionMap
    if (guard === undefined || guard.scope === undefined || (!map.onUpdate && !map.onConflict)) {
      return createInsertExpression.call(this)
    }
    const scope = guard.scope
    if (map.onConflict) throw CrossTenantWriteError.rawConflictClause(scope.name)
    const onUpdate = map.onUpdate!
    const driver = builderDataSource(this)!.driver as unknown as DriverInternals
    const dialect = upsertDialect(driver)
    if (dialect === 'mysql' || dialect === 'other') {
      assertUpsertKeyedByTenant(this, scope, driver.options.type)
      return createInsertExpression.call(this)
    }
    const predicate = `${upsertTargetPrefix(this)}.${this.escape(scope.column.databaseName)} = :${TENANT_PARAMETER}`
    if (dialect === 'sqlite') {
      const sql = createInsertExpression.call(this) as string
      return withSqliteUpsertCondition(sql, predicate)
    }
    const original = onUpdate.overwriteCondition
    const user = original && original.length > 0 ? `(${this.createWhereClausesExpression(original)})` : undefined
    onUpdate.overwriteCondition = [{ type: 'simple', condition: predicate }]
    if (user !== undefined) onUpdate.overwriteCondition.push({ type: 'and', condition: user })
    try {
      return createInsertExpression.call(this)
    } finally {
      onUpdate.overwriteCondition = original
    }
  }

  const execute = proto['execute']!
  proto['execute'] = async function (this: WriteBuilderInternals, ...args: unknown[]) {
    assertWriteTargetResolved(this)
    const runtime = runtimeOf(builderDataSource(this))
    const metadata = mainMetadata(this)
    if (runtime !== undefined && metadata !== undefined) {
      const scope = runtime.scopeOf(metadata)
      if (scope !== undefined && writeTenant(runtime, scope) !== undefined) {
        const valueSets = (this as unknown as { getValueSets(): object[] }).getValueSets()
        const references = scope.kind === 'junction' ? junctionReferences(scope.ends, valueSets) : relationReferences(runtime, metadata, valueSets)
        await assertReferencesOwned(runtime, this.queryRunner, metadata.name, references)
      }
    }
    return execute.apply(this, args)
  }
}

/** An insert of a `@TenantScoped` entity on a DataSource without tenancy: refused unless explicitly allowed. */
function refuseIfUnprotected(qb: WriteBuilderInternals): void {
  const dataSource = builderDataSource(qb)
  if (runtimeOf(dataSource) !== undefined) return
  const metadata = mainMetadata(qb)
  if (metadata !== undefined) refuseUnprotected(dataSource, metadata)
}

interface InsertGuard {
  readonly runtime: TenancyRuntime
  /** The scoped entity inserted into; `undefined` for a junction table or an unscoped entity. */
  readonly scope: ScopedEntity | undefined
  readonly tenantId: TenantId
}

/** `undefined` when the builder needs nothing: no tenancy, no metadata, an unscoped table, or a bypass. */
function insertGuard(qb: WriteBuilderInternals): InsertGuard | undefined {
  const runtime = runtimeOf(builderDataSource(qb))
  if (runtime === undefined) return undefined
  const metadata = mainMetadata(qb)
  if (metadata === undefined) return undefined
  const scope = runtime.scopeOf(metadata)
  if (scope === undefined) return undefined
  const tenantId = writeTenant(runtime, scope)
  if (tenantId === undefined) return undefined
  return { runtime, scope: scope.kind === 'entity' ? scope : undefined, tenantId }
}

/** How the upsert's UPDATE branch names the existing row: the alias when there is one, else the table. */
function upsertTargetPrefix(qb: WriteBuilderInternals): string {
  const table = qb.getMainTableName()
  return qb.alias !== table ? qb.escape(qb.alias) : qb.getTableName(table)
}

/** TypeORM writes no WHERE on SQLite's DO UPDATE; add it before RETURNING (or at the end). */
function withSqliteUpsertCondition(sql: string, predicate: string): string {
  if (!sql.includes(' DO UPDATE SET ')) return sql
  const returning = sql.lastIndexOf(' RETURNING ')
  return returning === -1 ? `${sql} WHERE ${predicate}` : `${sql.slice(0, returning)} WHERE ${predicate}${sql.slice(returning)}`
}

/** Refuses an upsert on a dialect whose update branch takes no tenant condition, unless keyed by tenant. */
function assertUpsertKeyedByTenant(qb: WriteBuilderInternals, scope: ScopedEntity, dialect: string): void {
  const valueSets = (qb as unknown as { getValueSets(): object[] }).getValueSets()
  if (!upsertKeyedByTenant(scope, qb.expressionMap.onUpdate?.conflict, valueSets)) {
    throw CrossTenantWriteError.upsertCannotBeScoped(scope.name, scope.column.propertyPath, dialect)
  }
}

function junctionReferences(
  ends: ReadonlyArray<{ target: { metadata: EntityMetadata }; junctionColumns: readonly ColumnMetadata[]; referencedColumns: readonly ColumnMetadata[] }>,
  valueSets: readonly object[],
): Reference[] {
  return ends.map((end) => ({
    target: end.target.metadata,
    columns: end.referencedColumns,
    via: end.junctionColumns.map((c) => c.databaseName).join(', '),
    values: valueSets.map((values) =>
      end.junctionColumns.map((column) => (column.getEntityValue(values) as unknown) ?? (values as Record<string, unknown>)[column.databaseName]),
    ),
  }))
}
