import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * Marks the async flow of a load whose rows the failsafe checks as a whole once it returns (a lazy relation,
 * a tree, the relations of a `relationLoadStrategy: 'query'` find). Queries run inside it are parts of that
 * load: their rows are checked where they end up, in their parent's relation, so the stripped parent is known.
 *
 * This is a per-flow marker, not shared state: concurrent loads each have their own, and it never holds a
 * tenant.
 */
const frame = new AsyncLocalStorage<true>()

/** True inside a load whose result the failsafe will check when it returns. */
export function insideCheckedLoad(): boolean {
  return frame.getStore() === true
}

/** Runs `fn` as part of a load checked as a whole afterwards. */
export function asCheckedLoad<R>(fn: () => R): R {
  return frame.run(true, fn)
}
