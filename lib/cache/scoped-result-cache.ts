import type { DataSource } from 'typeorm'
import type { TenantContext } from '../context/tenant-context'
import type { TenantStore } from '../context/tenant-store'

type CacheMethod = (this: unknown, ...args: unknown[]) => Promise<unknown>

/**
 * The key under which a `cache: { id }` result is kept for the current context: TypeORM keys such results
 * by the id alone, so without this every tenant would be served the first tenant's rows. The tenant id is
 * URI-encoded, so no id/tenant pair can produce another pair's key.
 *
 * ```ts
 * tenantCacheId('open-tickets') // under runWithTenant(42): 'open-tickets@tenant:42'
 * ```
 */
export function scopedCacheId(id: string, context: TenantContext | undefined): string {
  if (context === undefined) return id
  return context.kind === 'tenant' ? `${id}@tenant:${encodeURIComponent(String(context.tenantId))}` : `${id}@all-tenants`
}

const scoped = new WeakSet<object>()

/**
 * Keeps every cache identifier of the DataSource's query result cache per tenant (`getFromCache`,
 * `storeInCache` and `remove` alike). Results cached without an id are keyed by SQL and parameters, which
 * already hold the tenant.
 *
 * TypeORM replaces `dataSource.queryResultCache` when `setOptions({ cache })` is called, and users may assign
 * their own; the property is therefore turned into an accessor that scopes whatever cache is put there.
 */
export function scopeResultCache(dataSource: DataSource, store: TenantStore): void {
  let current = scopeCache(dataSource.queryResultCache, store)
  Object.defineProperty(dataSource, 'queryResultCache', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (cache: unknown) => {
      current = scopeCache(cache as DataSource['queryResultCache'], store)
    },
  })
}

function scopeCache<C>(cache: C, store: TenantStore): C {
  if (typeof cache !== 'object' || cache === null || scoped.has(cache)) return cache
  scoped.add(cache)
  const methods = cache as unknown as Record<string, CacheMethod>
  const scopeOptions = (options: unknown): unknown => {
    if (typeof options !== 'object' || options === null) return options
    const identifier = (options as { identifier?: unknown }).identifier
    if (typeof identifier !== 'string' || identifier === '') return options
    return { ...options, identifier: scopedCacheId(identifier, store.get()) }
  }
  for (const name of ['getFromCache', 'storeInCache'] as const) {
    const original = methods[name]
    if (typeof original !== 'function') continue
    methods[name] = function (options, ...rest) {
      return original.call(this, scopeOptions(options), ...rest)
    }
  }
  const remove = methods['remove']
  if (typeof remove === 'function') {
    methods['remove'] = function (identifiers, ...rest) {
      const context = store.get()
      const ids = Array.isArray(identifiers) ? identifiers.map((id) => (typeof id === 'string' ? scopedCacheId(id, context) : id)) : identifiers
      return remove.call(this, ids, ...rest)
    }
  }
  return cache
}
