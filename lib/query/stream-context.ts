import { SelectQueryBuilder } from 'typeorm'
import { enter } from '../context/run-with-tenant'
import { TypeormIncompatibleError } from '../errors'
import { runtimeOf } from '../install/runtime-registry'
import { typeormVersion } from '../install/typeorm-version'
import { dataSourceOf, type QueryBuilderInternals } from './query-builder-internals'

type Method = (this: QueryBuilderInternals, ...args: unknown[]) => Promise<unknown>

interface Emitter {
  emit(event: string | symbol, ...args: unknown[]): boolean
}

let patched = false

/**
 * Wraps `SelectQueryBuilder.stream()` so that the listeners of the stream it returns (`on('data')`,
 * `on('end')`, `pipe` targets) run as the tenant that opened it. The drivers emit a stream's events from their
 * socket's callbacks, and a pooled socket carries the async context of whichever request made the pool open
 * it: without this, a listener that queries (`stream.on('data', () => comments.find())`) would run as that
 * other tenant, or with no tenant at all. The context captured is the caller's (a tenant, or a bypass), and
 * every emit re-enters it in every active store, as `runWithTenant` does; an unscoped stream opened with no
 * context is left as it is.
 *
 * ```ts
 * await runWithTenant(2, async () => {
 *   const rows = await tickets.createQueryBuilder('t').stream()
 *   rows.on('data', () => void comments.find()) // SELECT ... WHERE "organizationId" = $1 -- [2]
 * })
 * ```
 */
export function patchStreamContext(): void {
  if (patched) return
  const proto = SelectQueryBuilder.prototype as unknown as Record<string, Method | undefined>
  const stream = proto['stream']
  if (typeof stream !== 'function') throw TypeormIncompatibleError.forShape(typeormVersion(), 'SelectQueryBuilder.prototype.stream is missing')
  patched = true
  proto['stream'] = async function (this: QueryBuilderInternals, ...args: unknown[]) {
    const runtime = runtimeOf(dataSourceOf(this))
    const context = runtime?.store.get()
    const result = await stream.apply(this, args)
    if (runtime === undefined || context === undefined || typeof result !== 'object' || result === null) return result
    const emitter = result as Emitter
    if (typeof emitter.emit !== 'function') return result
    const emit = emitter.emit
    emitter.emit = function (this: Emitter, event: string | symbol, ...rest: unknown[]): boolean {
      return enter(context, () => emit.call(this, event, ...rest))
    }
    return result
  }
}
