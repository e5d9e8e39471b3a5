import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { RelationMetadata } from 'typeorm/metadata/RelationMetadata'
import { RelationLoader } from 'typeorm/query-builder/RelationLoader'
import { sameContext, type TenantContext } from '../context/tenant-context'
import { TenantContextMissingError, TypeormIncompatibleError } from '../errors'
import { runtimeOf } from '../install/runtime-registry'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import { typeormVersion } from '../install/typeorm-version'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Method = (this: any, ...args: unknown[]) => unknown

interface LoaderInternals {
  readonly connection?: object
  readonly dataSource?: object
}

/** The accessor pair TypeORM defines for a lazy relation (`RelationLoader.enableLazyLoad`). */
interface LazyAccessor {
  readonly get: (this: object) => unknown
  readonly set: (this: object, value: unknown) => void
  readonly enumerable: boolean
}

/** One guarded lazy relation of one DataSource. */
interface LazyGuard {
  readonly runtime: TenancyRuntime
  readonly propertyName: string
  /** `__name__`: the loaded value. */
  readonly dataKey: string
  /** `__has_name__`: true once loaded (the value may be `null` or empty). */
  readonly hasKey: string
  /** `__promise_name__`: the load in flight. */
  readonly promiseKey: string
  /** The `@TenantScoped` entity the relation leads to (its target, or the first one reachable from it). */
  readonly scopedEntity: string
}

/** The guard of each lazy relation (of a DataSource with tenancy) that leads to a scoped entity. */
const guards = new WeakMap<RelationMetadata, LazyGuard>()
/** Per entity object, per relation property: the context its cached or in-flight value was loaded under. */
const loadedUnder = new WeakMap<object, Map<string, TenantContext>>()
/** Getters this module made, so a property is never wrapped twice. */
const guardedGetters = new WeakSet<object>()

let originalEnableLazyLoad: Method | undefined

/**
 * Keeps TypeORM's lazy-relation cache per tenant. TypeORM stores an awaited lazy relation on the entity
 * object (`__notes__`, `__has_notes__`, `__promise_notes__`) and hands it back on every later read without a
 * query, so an object shared across requests (an unscoped `Board` in an in-memory cache) would give tenant A
 * the notes tenant B loaded, past the query filter and the failsafe.
 *
 * For every lazy relation of the DataSource whose target is `@TenantScoped` or reaches a scoped entity through
 * its relations, the accessor TypeORM defines (on the entity class prototype at metadata build, and on each
 * object `EntityMetadata.create` makes) is wrapped:
 * - a cached or in-flight value loaded or assigned under another context than the current one, or of unknown
 *   origin (loaded by a join, assigned with no context), is dropped and the relation is loaded again under the
 *   current tenant; a value assigned under the current context is read back as assigned;
 * - with no tenant in context and no bypass, the read is a rejected promise with
 *   {@link TenantContextMissingError}, even when a value is cached;
 * - under `runWithoutTenant`, a value loaded under a bypass is returned, one loaded under a tenant is reloaded.
 *
 * Entities without such a relation are not touched. Throws {@link TypeormIncompatibleError} when TypeORM's
 * lazy accessor does not have the shape relied on.
 *
 * ```ts
 * const board = await runWithTenant(B, () => boards.findOneByOrFail({ id })) // unscoped, cached in memory
 * await runWithTenant(B, () => board.notes) // B's notes
 * await runWithTenant(A, () => board.notes) // SELECT ... WHERE ... "organizationId" = $2 -- A's notes
 * await board.notes // rejects with TenantContextMissingError, no SQL
 * ```
 */
export function guardLazyRelationCaches(runtime: TenancyRuntime): void {
  const reach = new Map<EntityMetadata, string | null>()
  let probed = false
  for (const metadata of runtime.dataSource.entityMetadatas) {
    for (const relation of metadata.relations) {
      if (!relation.isLazy) continue
      const scopedEntity = scopedEntityReachedFrom(runtime, relation.inverseEntityMetadata, reach)
      if (scopedEntity === undefined) continue
      const name = relation.propertyName
      const guard: LazyGuard = {
        runtime,
        propertyName: name,
        dataKey: `__${name}__`,
        hasKey: `__has_${name}__`,
        promiseKey: `__promise_${name}__`,
        scopedEntity,
      }
      if (!probed) {
        patchEnableLazyLoad()
        assertLazyShape(runtime, relation, guard)
        probed = true
      }
      guards.set(relation, guard)
      if (typeof metadata.target === 'function') guardProperty(guard, (metadata.target as { prototype: object }).prototype, `${metadata.name}.prototype`)
    }
  }
}

/**
 * The name of the first `@TenantScoped` entity reachable from `start` (itself, its relations' targets and
 * inheritance children, transitively), or `undefined` when none is.
 */
function scopedEntityReachedFrom(runtime: TenancyRuntime, start: EntityMetadata, reach: Map<EntityMetadata, string | null>): string | undefined {
  const known = reach.get(start)
  if (known !== undefined) return known ?? undefined
  const seen = new Set<EntityMetadata>([start])
  const queue: EntityMetadata[] = [start]
  let found: string | null = null
  for (let i = 0; i < queue.length && found === null; i++) {
    const metadata = queue[i]!
    const scope = runtime.entityScopeOf(metadata)
    if (scope !== undefined) {
      found = scope.name
      break
    }
    const next = [...metadata.relations.map((r) => r.inverseEntityMetadata), ...metadata.childEntityMetadatas]
    for (const other of next) {
      if (other !== undefined && !seen.has(other)) {
        seen.add(other)
        queue.push(other)
      }
    }
  }
  reach.set(start, found)
  return found ?? undefined
}

/**
 * Wraps, once per process, `RelationLoader.enableLazyLoad`: the accessor TypeORM defines on each entity object
 * it creates (shadowing the prototype's) is wrapped too when its relation is guarded. Other relations cost one
 * `WeakMap` lookup.
 */
function patchEnableLazyLoad(): void {
  if (originalEnableLazyLoad !== undefined) return
  const loader = RelationLoader.prototype as unknown as Record<string, Method | undefined>
  const enableLazyLoad = loader['enableLazyLoad']
  if (typeof enableLazyLoad !== 'function') throw TypeormIncompatibleError.forShape(typeormVersion(), 'RelationLoader.prototype.enableLazyLoad is missing')
  originalEnableLazyLoad = enableLazyLoad
  loader['enableLazyLoad'] = function (this: LoaderInternals, ...args: unknown[]) {
    const result = enableLazyLoad.apply(this, args)
    const guard = guards.get(args[0] as RelationMetadata)
    const entity = args[1]
    if (guard !== undefined && typeof entity === 'object' && entity !== null && runtimeOf(this.dataSource ?? this.connection) === guard.runtime) {
      guardProperty(guard, entity, 'the entity')
    }
    return result
  }
}

/**
 * Checks, once at install, that TypeORM's lazy accessor is what this module relies on: a get/set pair, the
 * setter storing a value in `__name__` with `__has_name__` true and a promise in `__promise_name__`, the getter
 * returning a cached value as a promise.
 */
function assertLazyShape(runtime: TenancyRuntime, relation: RelationMetadata, guard: LazyGuard): void {
  const fail = (problem: string): never => {
    throw TypeormIncompatibleError.forShape(typeormVersion(), `${problem} (a lazy relation's cache is kept per tenant)`)
  }
  const relationLoader = (runtime.dataSource as unknown as { relationLoader?: unknown }).relationLoader
  if (!(relationLoader instanceof RelationLoader)) fail('DataSource.relationLoader is not a RelationLoader')
  const where = `${relation.entityMetadata.name}.${guard.propertyName}`
  const holder: Record<string, unknown> = {}
  originalEnableLazyLoad!.call(relationLoader, relation, holder, undefined)
  const accessor = accessorOf(holder, guard.propertyName) ?? fail(`RelationLoader.enableLazyLoad defined no get/set accessor for ${where}`)
  const sentinel = Object.freeze({})
  accessor.set.call(holder, sentinel)
  if (holder[guard.dataKey] !== sentinel || holder[guard.hasKey] !== true) fail(`the lazy setter of ${where} no longer stores ${guard.dataKey} and ${guard.hasKey}`)
  if (!(accessor.get.call(holder) instanceof Promise)) fail(`the lazy getter of ${where} no longer returns a promise`)
  const pending = new Promise<never>(() => undefined)
  accessor.set.call(holder, pending)
  if (holder[guard.promiseKey] !== pending || guard.hasKey in holder || guard.dataKey in holder) fail(`the lazy setter of ${where} no longer stores ${guard.promiseKey}`)
}

/** The accessor `holder` itself defines for `propertyName`, or `undefined` when it is not a get/set pair. */
function accessorOf(holder: object, propertyName: string): LazyAccessor | undefined {
  const descriptor = Object.getOwnPropertyDescriptor(holder, propertyName)
  if (typeof descriptor?.get !== 'function' || typeof descriptor.set !== 'function') return undefined
  return { get: descriptor.get as LazyAccessor['get'], set: descriptor.set as LazyAccessor['set'], enumerable: descriptor.enumerable === true }
}

/** Replaces the lazy accessor `holder` defines for the guard's relation with the tenant-aware one. */
function guardProperty(guard: LazyGuard, holder: object, what: string): void {
  const current = Object.getOwnPropertyDescriptor(holder, guard.propertyName)
  if (current?.get !== undefined && guardedGetters.has(current.get)) return
  const accessor = accessorOf(holder, guard.propertyName)
  if (accessor === undefined) {
    throw TypeormIncompatibleError.forShape(typeormVersion(), `${what} has no lazy get/set accessor for the relation "${guard.propertyName}"`)
  }
  const get = function (this: object): unknown {
    const context = guard.runtime.store.get()
    if (context === undefined) return refused(guard)
    const self = this as Record<string, unknown>
    if (self[guard.hasKey] === true || self[guard.dataKey] !== undefined || self[guard.promiseKey] !== undefined) {
      if (sameContext(loadedUnder.get(this)?.get(guard.propertyName), context)) return accessor.get.call(this)
      // loaded under another tenant, a bypass, or of unknown origin (a join, an assignment): load again
      delete self[guard.dataKey]
      delete self[guard.hasKey]
      delete self[guard.promiseKey]
    }
    const value = accessor.get.call(this)
    let contexts = loadedUnder.get(this)
    if (contexts === undefined) loadedUnder.set(this, (contexts = new Map()))
    contexts.set(guard.propertyName, context)
    return value
  }
  const set = function (this: object, value: unknown): void {
    accessor.set.call(this, value)
    // an assigned value belongs to the context that assigned it (read back as assigned there, reloaded
    // anywhere else); assigned with no context, it has no known origin and the next read loads the relation
    const context = guard.runtime.store.get()
    if (context === undefined) {
      loadedUnder.get(this)?.delete(guard.propertyName)
      return
    }
    let contexts = loadedUnder.get(this)
    if (contexts === undefined) loadedUnder.set(this, (contexts = new Map()))
    contexts.set(guard.propertyName, context)
  }
  guardedGetters.add(get)
  Object.defineProperty(holder, guard.propertyName, { get, set, configurable: true, enumerable: accessor.enumerable })
}

/**
 * The read with no tenant in context: a rejected promise. Marked as handled, because TypeORM itself reads the
 * accessor and drops the promise (`ColumnMetadata.getEntityValue` of a join column with no property of its own,
 * during a save): such a read must not become an unhandled rejection. A caller that awaits still gets the error.
 */
function refused(guard: LazyGuard): Promise<never> {
  const promise = Promise.reject(TenantContextMissingError.forEntity(guard.scopedEntity))
  promise.catch(() => undefined)
  return promise
}
