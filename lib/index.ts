/**
 * typeorm-tenancy: multi-tenant row isolation for TypeORM. Every public export is listed here.
 */
export { TenantScoped } from './metadata/tenant-scoped'
export type { TenantScopedOptions } from './metadata/tenant-scoped'

export { installTenancy } from './install/install-tenancy'
export type { TenancyOptions } from './install/install-tenancy'
export { allowUnprotectedDataSource } from './install/unprotected-data-source'

export { runWithTenant, runWithoutTenant, currentTenant, currentTenantContext } from './context/run-with-tenant'
export type { TenantContext, TenantScope, TenancyBypass } from './context/tenant-context'
export type { TenantStore } from './context/tenant-store'
export type { TenantStoreOption } from './context/store-registry'
export { createAsyncLocalStorageStore } from './context/async-local-storage-store'
export { createClsHookedStore } from './context/cls-hooked-store'
export type { ClsHookedStoreOptions, ClsHookedTenantStore } from './context/cls-hooked-store'

export { getTenantRepository, getTenantTreeRepository, isTenancyInstalled } from './repository/get-tenant-repository'

export { FilteredRelationArray } from './failsafe/filtered-relation-array'
export type { RelationArrayGuard } from './failsafe/filtered-relation-array'
export { stripCrossTenantRows } from './failsafe/strip-cross-tenant-rows'
export type { StripResult } from './failsafe/strip-cross-tenant-rows'
export { failsafeCounters, resetFailsafeCounters } from './failsafe/failsafe-counters'
export type { FailsafeCounters } from './failsafe/failsafe-runtime'
export type { LeakEvent } from './failsafe/leak-event'
export { consoleTenancyLogger } from './failsafe/failsafe-options'
export type { OnLeakPolicy, TenancyLogger } from './failsafe/failsafe-options'
export { TenancyFailsafeSubscriber } from './subscriber/tenancy-failsafe-subscriber'
export { tenantCacheId } from './cache/tenant-cache-id'

// Framework-free: also at 'typeorm-tenancy/jobs'. The framework integrations are only at their subpaths
// ('typeorm-tenancy/express', '/koa', '/fastify', '/nestjs'), so this entry never loads a framework.
export { runForTenant } from './jobs/run-for-tenant'
export { forEachTenant, ForEachTenantError } from './jobs/for-each-tenant'
export type { ForEachTenantOptions, TenantJobReport, TenantJobResult } from './jobs/for-each-tenant'

export type { TenantId } from './tenant-id'
export {
  TenancyError,
  TenantContextMissingError,
  InvalidTenantIdError,
  TenancyConfigurationError,
  TenancyNotInstalledError,
  TypeormIncompatibleError,
  CrossTenantWriteError,
  CrossTenantRowError,
  UnfilterableQueryError,
} from './errors'
export type { TenancyErrorCode } from './errors'
