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
 * The failsafe does not copy a loaded collection to guard it: TypeORM's own array gets this class's prototype
 * ({@link FilteredRelationArray.adopt}), and the guard is held in a module-level `WeakMap` keyed by the array
 * (per instance, as before: never on the class).
 *
 * ```ts
 * await runWithTenant(1, async () => {
 *   const customer = await customers.findOneOrFail({ where: { id: 7 }, relations: { addresses: true } })
 *   customer.addresses.push(addressOfTenant2) // throws CrossTenantRowError
 * })
 * ```
 */
export class FilteredRelationArray<T> extends Array<T> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array
  }

  /** An array holding `items` (already checked by the caller), guarded by `guard`. */
  constructor(guard: RelationArrayGuard, items: readonly T[] = []) {
    super()
    guards.set(this, guard)
    const length = items.length
    this.length = length
    for (let i = 0; i < length; i++) this[i] = items[i] as T
  }

  /**
   * Turns a plain array (its prototype is `Array.prototype`) into a filtered relation array in place, without
   * copying it; anything else (already a filtered relation array, another subclass) is copied into a new one.
   * The elements must have been checked by the caller.
   */
  static adopt<T>(items: T[], guard: RelationArrayGuard): FilteredRelationArray<T> {
    if (Object.getPrototypeOf(items) !== Array.prototype) return new FilteredRelationArray<T>(guard, items)
    Object.setPrototypeOf(items, FilteredRelationArray.prototype)
    guards.set(items, guard)
    return items as FilteredRelationArray<T>
  }

  /** The tenant this collection was loaded for. */
  get tenantId(): TenantId {
    return guardOf(this).tenantId
  }

  /** True when `value` is a filtered relation array of `tenantId`. */
  static isGuardedFor(value: unknown, tenantId: TenantId): value is FilteredRelationArray<unknown> {
    return value instanceof FilteredRelationArray && guards.get(value)?.tenantId === tenantId
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

/** The guard of each filtered relation array (an array made one by `adopt` cannot hold a private field). */
const guards = new WeakMap<object, RelationArrayGuard>()

/** Throws `CrossTenantRowError` when an element is a row of another tenant than the array's (a function, not a private method: an adopted array has no private brand). */
function checkElements(array: object, items: readonly unknown[], method: string): void {
  const { scope, tenantId, relation } = guardOf(array)
  for (const item of items) {
    if (isForeignElement(scope, item, tenantId)) {
      throw CrossTenantRowError.foreignElement(scope.name, relation, method, scope.column.getEntityValue(item as object), tenantId)
    }
  }
}

/** The guard of an array; only an object given this prototype by hand (not by the constructor or `adopt`) has none. */
function guardOf(array: object): RelationArrayGuard {
  const guard = guards.get(array)
  if (guard === undefined) throw new TypeError('this FilteredRelationArray was not created by the failsafe: it has no tenant')
  return guard
}
