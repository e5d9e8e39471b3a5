import { currentTenantContext } from '../context/run-with-tenant'
import { scopedCacheId } from './scoped-result-cache'

/**
 * The identifier under which the query result cache keeps a `cache: { id }` entry for the current
 * tenant. You need it only to reach the cache store directly; `dataSource.queryResultCache.remove([id])`
 * inside `runWithTenant` already removes the current tenant's entry.
 *
 * ```ts
 * runWithTenant(42, () => tenantCacheId('open-tickets')) // 'open-tickets@tenant:42'
 * ```
 */
export function tenantCacheId(id: string): string {
  return scopedCacheId(id, currentTenantContext())
}
