/**
 * `typeorm-tenancy/jobs`: run background work as one tenant, or as every tenant in turn.
 */
export { runForTenant } from './run-for-tenant'
export { forEachTenant, ForEachTenantError } from './for-each-tenant'
export type { ForEachTenantOptions, TenantJobReport, TenantJobResult } from './for-each-tenant'
