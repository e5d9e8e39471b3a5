import type { TenantId } from '../tenant-id'

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

export function tenantScope(tenantId: TenantId): TenantScope {
  return Object.freeze({ kind: 'tenant' as const, tenantId })
}
