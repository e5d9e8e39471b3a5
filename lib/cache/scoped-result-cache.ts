import type { DataSource } from 'typeorm'
import type { TenantContext } from '../context/tenant-context'
import type { TenantStore } from '../context/tenant-store'

type CacheMethod = (this: unknown, ...args: unknown[]) => Promise<unknown>

/**
 * The key under which a `cache: { id }` result is kept for the current context: TypeORM keys such results
 * by the id alone, so without this every tenant would be served the first tenant's rows.
 *
 * ```ts
 * tenantCacheId('open-tickets') // under runWithTenant(42): 'open-tickets@tenant:42'
 * ```
 */
export function scopedCacheId(id: string, context: TenantContext | undefined): string {
  if (context === undefined) return id
  return context.kind === 'tenant' ? `${id}@tenant:${String(context.tenantId)}` : `${id}@all-tenants`
}

/**
 * Wraps the DataSource's query result cache so that every cache identifier is kept per tenant
 * (`getFromCache`, `storeInCache` and `remove` alike). Results cached without an id are keyed by SQL and
 * parameters, which already hold the tenant.
 */
export function scopeResultCache(dataSource: DataSource, store: TenantStore): void {
  const cache = dataSource.queryResultCache as unknown as Record<string, CacheMethod> | undefined
  if (!cache) return
  const scopeOptions = (options: unknown): unknown => {
    if (typeof options !== 'object' || options === null) return options
    const identifier = (options as { identifier?: unknown }).identifier
    if (typeof identifier !== 'string' || identifier === '') return options
    return { ...options, identifier: scopedCacheId(identifier, store.get()) }
  }
  for (const name of ['getFromCache', 'storeInCache'] as const) {
    const original = cache[name]!
    cache[name] = function (options, ...rest) {
      return original.call(this, scopeOptions(options), ...rest)
    }
  }
  const remove = cache['remove']!
  cache['remove'] = function (identifiers, ...rest) {
    const context = store.get()
    const scoped = Array.isArray(identifiers) ? identifiers.map((id) => (typeof id === 'string' ? scopedCacheId(id, context) : id)) : identifiers
    return remove.call(this, scoped, ...rest)
  }
}
