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
}
