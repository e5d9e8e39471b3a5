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

  readonly #guard: RelationArrayGuard

  /** An array holding `items` (already checked by the caller), guarded by `guard`. */
  constructor(guard: RelationArrayGuard, items: readonly T[] = []) {
    super()
    this.#guard = guard
    const length = items.length
    this.length = length
    for (let i = 0; i < length; i++) this[i] = items[i] as T
  }

  /** The tenant this collection was loaded for. */
  get tenantId(): TenantId {
    return this.#guard.tenantId
  }

  /** True when `value` is a filtered relation array of `tenantId`. */
  static isGuardedFor(value: unknown, tenantId: TenantId): value is FilteredRelationArray<unknown> {
    return value instanceof FilteredRelationArray && value.#guard.tenantId === tenantId
  }

  override push(...items: T[]): number {
    this.#check(items, 'push')
    return super.push(...items)
  }

  override unshift(...items: T[]): number {
    this.#check(items, 'unshift')
    return super.unshift(...items)
  }

  override splice(start: number, deleteCount?: number, ...items: T[]): T[] {
    this.#check(items, 'splice')
    // splice(start) and splice(start, undefined) differ: keep the caller's arity.
    return arguments.length < 2 ? super.splice(start) : super.splice(start, deleteCount as number, ...items)
  }

  override fill(value: T, start?: number, end?: number): this {
    this.#check([value], 'fill')
    return super.fill(value, start, end)
  }

  override copyWithin(target: number, start: number, end?: number): this {
    this.#check(Array.prototype.slice.call(this, start, end) as T[], 'copyWithin')
    return super.copyWithin(target, start, end)
  }

  #check(items: readonly T[], method: string): void {
    const { scope, tenantId, relation } = this.#guard
    for (const item of items) {
      if (isForeignElement(scope, item, tenantId)) {
        throw CrossTenantRowError.foreignElement(scope.name, relation, method, scope.column.getEntityValue(item as object), tenantId)
      }
    }
  }
}
