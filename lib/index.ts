/**
 * typeorm-tenancy: multi-tenant row isolation for TypeORM. Every public export is listed here.
 */
export { TenantScoped } from './metadata/tenant-scoped'
export type { TenantScopedOptions } from './metadata/tenant-scoped'

export { installTenancy } from './install/install-tenancy'
export type { TenancyOptions } from './install/install-tenancy'

export { runWithTenant, runWithoutTenant, currentTenant, currentTenantContext } from './context/run-with-tenant'
export type { TenantContext, TenantScope, TenancyBypass } from './context/tenant-context'
export type { TenantStore } from './context/tenant-store'
export type { TenantStoreOption } from './context/store-registry'
export { createAsyncLocalStorageStore } from './context/async-local-storage-store'
export { createClsHookedStore } from './context/cls-hooked-store'
export type { ClsHookedStoreOptions, ClsHookedTenantStore } from './context/cls-hooked-store'

export { getTenantRepository, getTenantTreeRepository, isTenancyInstalled } from './repository/get-tenant-repository'
export { tenantCacheId } from './cache/tenant-cache-id'

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
} from './errors'
export type { TenancyErrorCode } from './errors'
