import { createAsyncLocalStorageStore } from './async-local-storage-store'
import { createClsHookedStore } from './cls-hooked-store'
import type { TenantStore } from './tenant-store'
import { TenancyConfigurationError } from '../errors'

/** Which store `installTenancy` uses: a built-in by name, or your own {@link TenantStore}. */
export type TenantStoreOption = 'async-local-storage' | 'cls-hooked' | TenantStore

/** The store every process has: `currentTenant()` reads it, `runWithTenant` always writes it. */
export const defaultStore: TenantStore = createAsyncLocalStorageStore()

/**
 * The stores `runWithTenant` writes to: the default one, plus each store an `installTenancy` call chose.
 * A DataSource reads only from its own store.
 */
const stores: TenantStore[] = [defaultStore]
let clsHookedStore: TenantStore | undefined

export function activeStores(): readonly TenantStore[] {
  return stores
}

export function resolveStore(option: TenantStoreOption | undefined): TenantStore {
  let store: TenantStore
  if (option === undefined || option === 'async-local-storage') store = defaultStore
  else if (option === 'cls-hooked') store = clsHookedStore ??= createClsHookedStore()
  else if (typeof option === 'object' && option !== null && typeof option.run === 'function' && typeof option.get === 'function') store = option
  else throw TenancyConfigurationError.invalidOption('store', option, `'async-local-storage', 'cls-hooked' or a TenantStore`)
  if (!stores.includes(store)) stores.push(store)
  return store
}
