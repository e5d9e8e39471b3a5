import { sameTenant, type TenantId } from '../tenant-id'

/**
 * What the current async flow runs as: one tenant, or an explicit bypass.
 * There is no third state: no context means every scoped query fails closed.
 */
export type TenantContext = TenantScope | TenancyBypass

/** The flow runs for one tenant. */
export interface TenantScope {
  readonly kind: 'tenant'
  readonly tenantId: TenantId
}

/** The flow deliberately runs across all tenants (`runWithoutTenant`). */
export interface TenancyBypass {
  readonly kind: 'bypass'
}

export const BYPASS: TenancyBypass = Object.freeze({ kind: 'bypass' as const })

const SCOPES_KEPT = 1024
const scopes = new Map<TenantId, TenantScope>()

/**
 * The context of one tenant. Frozen (code that reads `currentTenantContext()` cannot change a request's tenant),
 * and shared by the requests of a tenant: freezing an object costs more than the rest of `runWithTenant`, so the
 * contexts of the last tenants seen are kept (at most {@link SCOPES_KEPT}; then the table starts over).
 */
export function tenantScope(tenantId: TenantId): TenantScope {
  let scope = scopes.get(tenantId)
  if (scope === undefined) {
    if (scopes.size >= SCOPES_KEPT) scopes.clear()
    scopes.set(tenantId, (scope = Object.freeze({ kind: 'tenant' as const, tenantId })))
  }
  return scope
}

/**
 * True when `a` and `b` are the same context: the same tenant (`42` and `'42'` are one), or both a bypass. No
 * context is the same as nothing, not even itself.
 */
export function sameContext(a: TenantContext | undefined, b: TenantContext | undefined): boolean {
  if (a === undefined || b === undefined) return false
  if (a.kind === 'bypass' || b.kind === 'bypass') return a.kind === b.kind
  return sameTenant(a.tenantId, b.tenantId)
}
