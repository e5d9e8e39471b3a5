import type { DataSource } from 'typeorm'
import type { TenantContext } from './tenant-context'
import { enter, outsideAnyContext } from './run-with-tenant'
import { runtimeOf } from '../install/runtime-registry'

interface Emitter {
  emit(event: string | symbol, ...args: unknown[]): boolean
}

type Method = (this: unknown, ...args: unknown[]) => unknown

/**
 * The pool methods that open a connection, per driver field (`pg`'s Pool, `mysql2`'s pool and pool cluster), best
 * first. pg-pool's `newClient` opens a socket and nothing else: wrapping it costs nothing on the usual checkout of
 * an idle connection, and it also covers the sockets pg-pool opens on its own (a replacement for a client that
 * ended while a request waited, opened from `release()` in the releasing request's flow). A pool without it is
 * wrapped at `connect`, which every checkout goes through.
 */
const PG_POOL_METHODS: readonly string[] = ['newClient', 'connect']
const POOL_METHODS: ReadonlyArray<readonly [field: string, methods: readonly string[]]> = [
  ['master', PG_POOL_METHODS],
  ['pool', ['getConnection']],
  ['poolCluster', ['getConnection']],
]

const wrappedPools = new WeakSet<object>()
const wrappedRunners = new WeakSet<object>()

/**
 * Keeps the driver's callbacks out of any request's tenant. A database socket carries the async context in which
 * it was opened, and every callback the driver runs from it (a stream's events, mysql2's query callbacks, where
 * TypeORM 0.3 also fires `afterQuery` subscribers) runs in that context: the tenant of whichever request made the
 * pool open the connection. So, for a DataSource with tenancy installed:
 *
 * - its pools open connections outside any context (`pg` Pool `newClient`, `mysql2` `getConnection`, replicas
 *   included): a callback of the driver sees no tenant and a scoped query there fails closed, instead of running
 *   as another tenant. The caller's own flow keeps its tenant (it resumes where it awaited);
 * - a `QueryRunner.stream()` (also behind `SelectQueryBuilder.stream()`) re-enters, on every event, the context of
 *   whoever opened the stream (a tenant, a bypass, or none), so a listener that queries runs as that tenant.
 *
 * ```ts
 * await runWithTenant(2, async () => {
 *   const rows = await tickets.createQueryBuilder('t').stream()
 *   rows.on('data', () => void comments.find()) // SELECT ... WHERE "organizationId" = $1 -- [2]
 * })
 * ```
 *
 * Drivers with other pool shapes (or none: SQLite) are left as they are; streams are wrapped on every driver.
 */
export function keepDriverCallbacksOutOfRequests(dataSource: DataSource): void {
  const driver = dataSource.driver as unknown as Record<string, unknown>
  for (const [field, methods] of POOL_METHODS) wrapPool(driver[field], methods)
  const slaves = driver['slaves']
  if (Array.isArray(slaves)) for (const slave of slaves) wrapPool(slave, PG_POOL_METHODS)
  const runner = dataSource.createQueryRunner()
  try {
    const proto = Object.getPrototypeOf(runner) as Record<string, unknown> | null
    if (proto !== null && typeof proto['stream'] === 'function' && !wrappedRunners.has(proto)) {
      wrappedRunners.add(proto)
      const stream = proto['stream'] as Method
      // one prototype serves every DataSource of the driver: each stream asks its own DataSource's store
      proto['stream'] = async function (this: { connection?: object; dataSource?: object }, ...args: unknown[]) {
        const own = runtimeOf(this.dataSource ?? this.connection)
        if (own === undefined) return stream.apply(this, args)
        const captured = own.store.get()
        const result = await stream.apply(this, args)
        return inContextOf(result, captured)
      }
    }
  } finally {
    void runner.release()
  }
}

function wrapPool(pool: unknown, methods: readonly string[]): void {
  if (typeof pool !== 'object' || pool === null || wrappedPools.has(pool)) return
  const holder = pool as Record<string, unknown>
  const method = methods.find((name) => typeof holder[name] === 'function')
  if (method === undefined) return
  const original = holder[method]
  wrappedPools.add(pool)
  holder[method] = function (this: unknown, ...args: unknown[]) {
    return outsideAnyContext(() => (original as Method).apply(this, args))
  }
}

/** Makes every event of `stream` run in `context` (or in none), in every active store. */
function inContextOf(stream: unknown, context: TenantContext | undefined): unknown {
  if (typeof stream !== 'object' || stream === null || typeof (stream as Emitter).emit !== 'function') return stream
  const emitter = stream as Emitter
  const emit = emitter.emit
  emitter.emit = function (this: Emitter, event: string | symbol, ...rest: unknown[]): boolean {
    return context === undefined ? outsideAnyContext(() => emit.call(this, event, ...rest)) : enter(context, () => emit.call(this, event, ...rest))
  }
  return stream
}
