// Shared by the context specs: the two built-in stores and a way to build a context for them.
export { createAsyncLocalStorageStore, createClsHookedStore, type TenantStore } from '../../lib'
export { tenantScope as tenantScopeForTests } from '../../lib/context/tenant-context'
