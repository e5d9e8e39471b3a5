import type { TenancyOptions } from '../../lib'

/**
 * The context store the suite runs under: TENANCY_STORE=cls-hooked runs every spec on the cls-hooked store,
 * anything else on the default AsyncLocalStorage store.
 */
export const storeName: 'async-local-storage' | 'cls-hooked' = process.env['TENANCY_STORE'] === 'cls-hooked' ? 'cls-hooked' : 'async-local-storage'

export function tenancyOptions(extra: TenancyOptions = {}): TenancyOptions {
  return { store: storeName, ...extra }
}
