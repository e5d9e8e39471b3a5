import type { TenantContext } from './tenant-context'

/**
 * Where the tenant context lives while a request runs. Two implementations ship:
 * {@link createAsyncLocalStorageStore} (the default) and {@link createClsHookedStore}.
 *
 * A store must follow one flow through every `await`, timer and `Promise.all`, and must answer
 * `undefined` rather than a value it cannot vouch for: the plugin fails closed on `undefined`.
 */
export interface TenantStore {
  /** A short name for messages: `'async-local-storage'`, `'cls-hooked'`, or your own. */
  readonly name: string
  /** Runs `fn` with `context` as the current context; the previous one is restored afterwards. */
  run<R>(context: TenantContext, fn: () => R): R
  /** The context of the current flow, or `undefined` outside any `run`. */
  get(): TenantContext | undefined
  /**
   * Optional: runs `fn` with no context at all (`get()` answers `undefined` inside it and in the async work it
   * starts). The plugin opens pooled database connections this way, so their sockets' callbacks never carry a
   * request's tenant. A store without it is simply not asked.
   */
  exit?<R>(fn: () => R): R
}
