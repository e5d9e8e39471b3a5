import type { StripPass } from './strip-pass'

/**
 * The pass of the load event broadcast running right now, if any. TypeORM fires a query's `afterLoad` events in
 * one synchronous call (`Broadcaster.broadcastLoadEvent`, which recurses into the loaded relations), so the pass
 * set for that call is seen by exactly the events of that query: nothing else runs until it returns, and it is
 * cleared before it returns, on success and on failure. It is never read across an `await`.
 */
let active: StripPass | undefined
/** How deep the running broadcast is: 0 outside one, 1 in its root call, more in TypeORM's recursion. */
let depth = 0

/** The pass of the running load broadcast (see above), or `undefined` outside one or when it has none. */
export function activeLoadPass(): StripPass | undefined {
  return active
}

/** True while a load broadcast runs: a call now is TypeORM's recursion into the loaded relations. */
export function insideLoadBroadcast(): boolean {
  return depth > 0
}

/**
 * Starts the root call of a load broadcast with `pass` (or none) as the active pass; returns the state to give
 * back to {@link leaveLoadBroadcast}, which must run in the same synchronous call, on success and on failure.
 */
export function enterLoadBroadcast(pass: StripPass | undefined): StripPass | undefined {
  const previous = active
  active = pass
  depth++
  return previous
}

export function leaveLoadBroadcast(previous: StripPass | undefined): void {
  depth--
  active = previous
}
