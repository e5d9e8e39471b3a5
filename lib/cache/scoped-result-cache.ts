import { DataSource, SelectQueryBuilder } from 'typeorm'
import type { TenantContext } from '../context/tenant-context'
import type { TenantStore } from '../context/tenant-store'
import { dataSourceOf, type QueryBuilderInternals } from '../query/query-builder-internals'

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
/** The store of each DataSource whose result cache is kept per tenant. */
const stores = new WeakMap<object, TenantStore>()

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Method = (this: any, ...args: unknown[]) => unknown

/**
 * Keeps every cache identifier of the DataSource's query result cache per tenant (`getFromCache`,
 * `storeInCache` and `remove` alike). Results cached without an id are keyed by SQL and parameters, which
 * already hold the tenant.
 *
 * The cache object's own methods are wrapped, so every caller of it is scoped: TypeORM's queries and the
 * application's `dataSource.queryResultCache.remove([id])`. TypeORM replaces `dataSource.queryResultCache` when
 * `setOptions({ cache })` is called, and users may assign their own: `setOptions` scopes the new cache when it
 * returns, and a query scopes the DataSource's cache, whatever it is then, before it reads or writes it
 * (`SelectQueryBuilder.loadRawResults`, the only place TypeORM does).
 *
 * Not an accessor on the DataSource: turning its `queryResultCache` data property into one switched the whole
 * DataSource object to V8's slow (dictionary) properties, and TypeORM reads a dozen of them on every query.
 */
export function scopeResultCache(dataSource: DataSource, store: TenantStore): void {
  stores.set(dataSource, store)
  rescope(dataSource)
  patchCacheUsers()
}

let patched = false

/** Wraps, once per process, the two places that put a cache to use: `DataSource.setOptions` and `loadRawResults`. */
function patchCacheUsers(): void {
  if (patched) return
  patched = true
  const dataSource = DataSource.prototype as unknown as Record<string, Method>
  const setOptions = dataSource['setOptions']!
  dataSource['setOptions'] = function (this: DataSource, ...args: unknown[]) {
    const returned = setOptions.apply(this, args)
    rescope(this)
    return returned
  }
  const select = SelectQueryBuilder.prototype as unknown as Record<string, Method>
  const loadRawResults = select['loadRawResults']!
  // TypeORM's signature, `(queryRunner)`, spelled out: it runs for every SELECT
  select['loadRawResults'] = function (this: QueryBuilderInternals, queryRunner: unknown) {
    const owner = dataSourceOf(this)
    if (owner !== undefined) {
      const cache = owner.queryResultCache as object | undefined | null
      if (typeof cache === 'object' && cache !== null && !scoped.has(cache)) rescope(owner)
    }
    return loadRawResults.call(this, queryRunner)
  }
}

/** Scopes the DataSource's current cache, when tenancy scopes that DataSource's caches. */
function rescope(dataSource: DataSource): void {
  const store = stores.get(dataSource)
  if (store !== undefined) scopeCache(dataSource.queryResultCache, store)
}

/** Checks the TypeORM methods {@link scopeResultCache} wraps; the message names what is missing. */
export function resultCacheShapeProblem(): string | undefined {
  if (typeof (DataSource.prototype as unknown as Record<string, unknown>)['setOptions'] !== 'function') return 'DataSource.prototype.setOptions is missing'
  if (typeof (SelectQueryBuilder.prototype as unknown as Record<string, unknown>)['loadRawResults'] !== 'function') {
    return 'SelectQueryBuilder.prototype.loadRawResults is missing (the result cache is scoped there)'
  }
  return undefined
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
