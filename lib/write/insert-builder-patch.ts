import { InsertQueryBuilder } from 'typeorm'
import { CrossTenantWriteError, UnfilterableQueryError } from '../errors'
import { runtimeOf } from '../install/runtime-registry'
import { refuseUnprotected } from '../install/unprotected-data-source'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import type { ScopedEntity } from '../metadata/scoped-entity'
import { conditionImbalance, usesBackslashEscapes } from '../query/condition-balance'
import { TENANT_PARAMETER } from '../query/tenant-predicate'
import type { TenantId } from '../tenant-id'
import { assertReferencesOwned, junctionReferences, relationReferences } from './owned-rows'
import { keyPartText, readDatabaseUniqueKeys, type DatabaseUniqueKeys } from './database-unique-keys'
import {
  builderDataSource, mainMetadata, upsertDialect, type DriverInternals, type OnUpdateInternals, type WriteBuilderInternals,
} from './write-builder-internals'
import { referenceTenant, stampInsertValues, writeTenant } from './write-tenant'
import { databaseKeyWithoutTenant, upsertKeyedByTenant } from './upsert-rule'
import { assertWriteTargetResolved } from './unresolved-table'

type Method = (this: WriteBuilderInternals, ...args: unknown[]) => unknown

/** The real table's unique indexes, read by `execute` for the one statement it is running (never reused). */
const tableKeysOfExecution = new WeakMap<WriteBuilderInternals, DatabaseUniqueKeys>()

/**
 * Wraps three methods of `InsertQueryBuilder`, the one place every insert of TypeORM is built (save,
 * insert, upsert, cascades, the QueryBuilder, with or without listeners):
 *
 * - `getValueSets`: stamps every value set of a scoped entity with the current tenant when its tenant
 *   column is empty, and refuses one naming another tenant. It runs before the `beforeInsert` listeners
 *   and again when the SQL is built, so a listener cannot slip a foreign tenant in.
 * - `createInsertExpression`: gives an upsert's `DO UPDATE` a tenant condition (PostgreSQL, SQLite), or
 *   refuses the upsert where the dialect cannot carry one (MySQL, MariaDB) unless it is keyed by tenant;
 *   there it also leaves the tenant column out of `ON DUPLICATE KEY UPDATE`.
 * - `execute`, first, on MySQL and MariaDB: reads the real table's unique indexes before an upsert and
 *   refuses it when one lacks the tenant column (see `readDatabaseUniqueKeys`), before any of its SQL.
 * - `execute`: checks that the rows the inserted row points at (many-to-one foreign keys, both ends of a
 *   junction row) belong to the current tenant, with one filtered SELECT per referenced entity; also for an
 *   unscoped entity written under a tenant (see `referenceTenant`).
 *
 * ```ts
 * // CREATE UNIQUE INDEX uq_public_slug ON page (publicSlug), by a migration the entity does not declare
 * await runWithTenant(1, () => pages.upsert({ path: '/home', publicSlug: 'acme-about' }, ['organizationId', 'path']))
 * // CrossTenantWriteError: ... unique index uq_public_slug (publicSlug) of table page does not include organizationId ...
 * ```
 */
export function patchInsertBuilder(): void {
  const proto = InsertQueryBuilder.prototype as unknown as Record<string, Method>

  const getValueSets = proto['getValueSets']!
  proto['getValueSets'] = function (this: WriteBuilderInternals) {
    assertWriteTargetResolved(this)
    const valueSets = getValueSets.call(this) as object[]
    refuseUnguardedTarget(this)
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
    if (dialect === 'other') {
      assertUpsertKeyedByTenant(this, scope, driver.options.type)
      return createInsertExpression.call(this)
    }
    if (dialect === 'mysql') {
      // the second line: execute() checked the real table's indexes; a beforeInsert listener may have changed the rows since
      assertUpsertKeyedByTenant(this, scope, driver.options.type)
      const tableKeys = tableKeysOfExecution.get(this)
      if (tableKeys !== undefined) assertTableKeysIncludeTenant(this, scope, driver.options.type, tableKeys)
      return withoutTenantInUpdate(onUpdate, scope, () => createInsertExpression.call(this))
    }
    assertUpsertTextsBalanced(this, scope, driver.options.type)
    const predicate = `${upsertTargetPrefix(this, dialect)}.${this.escape(scope.column.databaseName)} = :${TENANT_PARAMETER}`
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
    const tableKeys = await checkMysqlUpsertAgainstTable(this)
    const runtime = runtimeOf(builderDataSource(this))
    const metadata = mainMetadata(this)
    if (runtime !== undefined && metadata !== undefined && referenceTenant(runtime, metadata) !== undefined) {
      const scope = runtime.scopeOf(metadata)
      const valueSets = (this as unknown as { getValueSets(): object[] }).getValueSets()
      const references = scope?.kind === 'junction' ? junctionReferences(scope.ends, valueSets) : relationReferences(runtime, metadata, valueSets)
      if (references.length > 0) await assertReferencesOwned(runtime, this.queryRunner, metadata.name, references)
    }
    if (tableKeys !== undefined) tableKeysOfExecution.set(this, tableKeys)
    try {
      return await execute.apply(this, args)
    } finally {
      tableKeysOfExecution.delete(this)
    }
  }
}

/**
 * Refuses an insert whose target the plugin cannot guard:
 * - on a DataSource without tenancy, a `@TenantScoped` entity (unless the DataSource was explicitly allowed);
 * - on a protected one, an unscoped view that reads a scoped table (an updatable view over it): the row would
 *   land in the scoped table with whatever tenant the values name. Refused under a tenant
 *   (UnfilterableQueryError) and with no context (TenantContextMissingError), as reads of the view are.
 */
function refuseUnguardedTarget(qb: WriteBuilderInternals): void {
  const metadata = mainMetadata(qb)
  if (metadata === undefined) return
  const dataSource = builderDataSource(qb)
  const runtime = runtimeOf(dataSource)
  if (runtime === undefined) return refuseUnprotected(dataSource, metadata)
  const read = runtime.scopedTableOfView(metadata)
  if (read !== undefined && runtime.contextFor(read).kind === 'tenant') throw UnfilterableQueryError.viewOfScopedEntity(metadata.name, qb.alias, read.name)
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

/**
 * How the upsert's UPDATE branch names the existing row: on PostgreSQL the alias when there is one (TypeORM
 * writes `INSERT INTO table AS "alias"` there), else, and always on SQLite (which gets no alias), the table.
 */
function upsertTargetPrefix(qb: WriteBuilderInternals, dialect: string): string {
  const table = qb.getMainTableName()
  return dialect !== 'sqlite' && qb.alias !== table ? qb.escape(qb.alias) : qb.getTableName(table)
}

/**
 * The raw texts an upsert pastes into its SQL (`orUpdate(..., { overwriteCondition, indexPredicate })`): refused,
 * like a where/ON text, when their parentheses, quotes or comments could escape the parentheses around them and
 * so the tenant condition ANDed to `DO UPDATE ... WHERE`.
 */
function assertUpsertTextsBalanced(qb: WriteBuilderInternals, scope: ScopedEntity, driverType: string): void {
  const onUpdate = qb.expressionMap.onUpdate
  if (onUpdate === undefined) return
  const texts: string[] = []
  if (onUpdate.overwriteCondition && onUpdate.overwriteCondition.length > 0) texts.push(qb.createWhereClausesExpression(onUpdate.overwriteCondition))
  if (typeof onUpdate.indexPredicate === 'string') texts.push(onUpdate.indexPredicate)
  for (const text of texts) {
    const problem = conditionImbalance(text, usesBackslashEscapes(driverType))
    if (problem !== undefined) throw UnfilterableQueryError.unbalancedCondition(scope.name, 'upsert', problem)
  }
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

/**
 * Before any SQL of an upsert of a scoped entity under a tenant on MySQL/MariaDB: the declared keys (no query),
 * then every unique index of the real table, read again for this statement. Returns the indexes, which
 * `execute` keeps for `createInsertExpression`'s second check until it returns; `undefined` when not checked.
 */
async function checkMysqlUpsertAgainstTable(qb: WriteBuilderInternals): Promise<DatabaseUniqueKeys | undefined> {
  const map = qb.expressionMap
  if (!map.onUpdate || map.onConflict) return undefined
  const guard = insertGuard(qb)
  if (guard === undefined || guard.scope === undefined) return undefined
  const driver = builderDataSource(qb)!.driver as unknown as DriverInternals
  if (upsertDialect(driver) !== 'mysql') return undefined
  if ((qb as unknown as { getValueSets(): object[] }).getValueSets().length === 0) return undefined
  assertUpsertKeyedByTenant(qb, guard.scope, driver.options.type)
  const tableKeys = await readDatabaseUniqueKeys(qb, guard.scope.metadata)
  assertTableKeysIncludeTenant(qb, guard.scope, driver.options.type, tableKeys)
  return tableKeys
}

/** Refuses an upsert when the real table has a unique index without the tenant column that a row can collide on. */
function assertTableKeysIncludeTenant(qb: WriteBuilderInternals, scope: ScopedEntity, dialect: string, tableKeys: DatabaseUniqueKeys): void {
  const { table, keys } = tableKeys
  if (keys === undefined) throw CrossTenantWriteError.upsertUniqueIndexWithoutTenant(scope.name, scope.column.databaseName, dialect, { table })
  const valueSets = (qb as unknown as { getValueSets(): object[] }).getValueSets()
  const key = databaseKeyWithoutTenant(scope, keys, valueSets)
  if (key === undefined) return
  const columns = key.parts.map(keyPartText)
  throw CrossTenantWriteError.upsertUniqueIndexWithoutTenant(scope.name, scope.column.databaseName, dialect, { table, name: key.name, columns })
}

/**
 * Builds an upsert without the tenant column in `ON DUPLICATE KEY UPDATE` (TypeORM's `upsert()` lists every
 * inserted column there, the conflict target's too), then restores the builder. An accepted upsert can only
 * collide with the tenant's own row, so the assignment is a no-op at best and a row moved between tenants at
 * worst. When the tenant column is the only column listed, the list is kept: an empty one is a syntax error on
 * TypeORM 0.3, and `organizationId = VALUES(organizationId)` there rewrites the same tenant.
 */
function withoutTenantInUpdate(onUpdate: OnUpdateInternals, scope: ScopedEntity, build: () => unknown): unknown {
  const { overwrite, columns } = onUpdate
  const tenant = scope.column.databaseName.toLowerCase()
  const without = (list: string[]): string[] => {
    const rest = list.filter((column) => column.toLowerCase() !== tenant)
    return rest.length > 0 ? rest : list
  }
  if (Array.isArray(overwrite)) onUpdate.overwrite = without(overwrite)
  if (Array.isArray(columns)) onUpdate.columns = without(columns)
  try {
    return build()
  } finally {
    if (Array.isArray(overwrite)) onUpdate.overwrite = overwrite
    if (Array.isArray(columns)) onUpdate.columns = columns
  }
}
