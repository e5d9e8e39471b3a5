import { assertTenantId, type TenantId } from '../tenant-id'
import { BYPASS, tenantScope, type TenantContext } from './tenant-context'
import { activeStores, defaultStore } from './store-registry'
import type { TenantStore } from './tenant-store'

/**
 * Runs `fn` as tenant `tenantId`. The tenant follows every `await`, timer and `Promise.all` started inside
 * `fn`; concurrent calls never see each other's tenant. A nested call wins inside, and the outer tenant is
 * back afterwards.
 *
 * Throws {@link InvalidTenantIdError} at once for `undefined`, `null`, `''`, `NaN` and other non-ids.
 *
 * ```ts
 * await runWithTenant(42, async () => {
 *   await getTenantRepository(dataSource, SupportTicket).find()
 *   // SELECT ... FROM "support_ticket" "SupportTicket" WHERE "SupportTicket"."organizationId" = $1  -- [42]
 * })
 * ```
 */
export function runWithTenant<R>(tenantId: TenantId, fn: () => R): R {
  assertTenantId(tenantId)
  return enter(tenantScope(tenantId), fn)
}

/**
 * Runs `fn` with tenant isolation deliberately switched off: scoped queries are sent without the tenant
 * condition and writes are not stamped or checked. For admin and cross-tenant jobs only; every call is
 * a visible, greppable bypass.
 *
 * ```ts
 * const total = await runWithoutTenant(() => dataSource.getRepository(SupportTicket).count())
 * // SELECT COUNT(1) AS "cnt" FROM "support_ticket" "SupportTicket"
 * ```
 */
export function runWithoutTenant<R>(fn: () => R): R {
  return enter(BYPASS, fn)
}

/**
 * The tenant of the current flow, or `undefined` when there is none or isolation is bypassed.
 */
export function currentTenant(): TenantId | undefined {
  const context = defaultStore.get()
  return context?.kind === 'tenant' ? context.tenantId : undefined
}

/** The full context of the current flow (tenant, bypass, or none). */
export function currentTenantContext(): TenantContext | undefined {
  return defaultStore.get()
}

/** Runs `fn` with `context` in every active store (what runWithTenant and runWithoutTenant do). Internal. */
export function enter<R>(context: TenantContext, fn: () => R): R {
  const stores = activeStores()
  if (stores.length === 1) return stores[0]!.run(context, fn)
  return throughEach(stores, fn, (store, inner) => store.run(context, inner))
}

/**
 * Runs `fn` with no context in every active store that can leave one (`TenantStore.exit`). Internal: the plugin
 * opens pooled connections this way (see `lib/context/driver-callback-context.ts`).
 */
export function outsideAnyContext<R>(fn: () => R): R {
  const stores = activeStores()
  if (stores.length === 1) return stores[0]!.exit === undefined ? fn() : stores[0]!.exit(fn)
  return throughEach(
    stores.filter((store) => store.exit !== undefined),
    fn,
    (store, inner) => store.exit!(inner),
  )
}

/** `fn` wrapped by `through` once per store, the first store outermost. */
function throughEach<R>(stores: readonly TenantStore[], fn: () => R, through: (store: TenantStore, inner: () => R) => R): R {
  let next: () => R = fn
  for (let i = stores.length - 1; i >= 0; i--) {
    const store = stores[i]!
    const inner = next
    next = () => through(store, inner)
  }
  return next()
}
