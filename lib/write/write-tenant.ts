import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import type { Scope, ScopedEntity } from '../metadata/scoped-entity'
import { CrossTenantWriteError } from '../errors'
import { sameTenant, type TenantId } from '../tenant-id'

/**
 * The tenant a write on `scope` runs for, or `undefined` under `runWithoutTenant` (no stamping, no checks).
 * Fails closed: no context throws {@link TenantContextMissingError} before any SQL is built.
 */
export function writeTenant(runtime: TenancyRuntime, scope: Scope): TenantId | undefined {
  const context = runtime.contextFor(scope)
  return context.kind === 'tenant' ? context.tenantId : undefined
}

/**
 * The tenant whose rows the foreign keys written to `metadata` must name, or `undefined` when they are not
 * checked. A scoped entity or junction: as {@link writeTenant} (fails closed without a context). An unscoped
 * entity (a shared `Board` pointing at a scoped `Ticket`): the tenant in context, if any; with no context or
 * under a bypass, unscoped writes are left alone, as every query of an unscoped entity is.
 */
export function referenceTenant(runtime: TenancyRuntime, metadata: EntityMetadata): TenantId | undefined {
  const scope = runtime.scopeOf(metadata)
  if (scope !== undefined) return writeTenant(runtime, scope)
  const context = runtime.store.get()
  return context?.kind === 'tenant' ? context.tenantId : undefined
}

/** The value the tenant column gets: a number for a numeric column when the id is a safe integer string. */
export function tenantColumnValue(scope: ScopedEntity, tenantId: TenantId): TenantId {
  if (scope.numeric && typeof tenantId === 'string') {
    const n = Number(tenantId)
    if (Number.isSafeInteger(n) && String(n) === tenantId) return n
  }
  return tenantId
}

/**
 * Stamps one insert value set (or entity) with the current tenant when its tenant column is empty, and
 * refuses one that names another tenant, a shared (NULL) tenant, or a raw SQL expression.
 */
export function stampInsertValues(scope: ScopedEntity, values: object, tenantId: TenantId): void {
  const value: unknown = scope.column.getEntityValue(values)
  if (value === undefined || (value === null && !scope.shared)) {
    scope.column.setEntityValue(values, tenantColumnValue(scope, tenantId))
    return
  }
  assertOwnTenant(scope, value, tenantId, 'insert')
}

/** Refuses an UPDATE value set that moves a row to another tenant (or to shared, or to a raw expression). */
export function checkUpdateValues(scope: ScopedEntity, values: object, tenantId: TenantId): void {
  const value: unknown = scope.column.getEntityValue(values)
  if (value === undefined) return
  assertOwnTenant(scope, value, tenantId, 'update')
}

function assertOwnTenant(scope: ScopedEntity, value: unknown, tenantId: TenantId, kind: 'insert' | 'update'): void {
  const column = scope.column.propertyPath
  if (typeof value === 'function') throw CrossTenantWriteError.opaqueTenantValue(scope.name, column)
  if (value === null) {
    if (scope.shared) throw CrossTenantWriteError.sharedRow(scope.name, column)
    throw CrossTenantWriteError.tenantChange(scope.name, column)
  }
  if (!sameTenant(value, tenantId)) {
    throw kind === 'insert' ? CrossTenantWriteError.foreignTenant(scope.name, column) : CrossTenantWriteError.tenantChange(scope.name, column)
  }
}
