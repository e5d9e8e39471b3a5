import type { TenantId } from '../tenant-id'

/**
 * One row of another tenant that the failsafe removed from a loaded result. It is what the default warning
 * logs (`logger.warn(event, message)`), so it holds ids and names only, never the row's data.
 *
 * ```ts
 * // loading Customer 7 with its addresses under tenant 1, when one address belongs to tenant 2:
 * { entity: 'Address', relation: 'Customer.addresses', primaryKey: 12,
 *   expectedTenant: 1, foundTenant: 2, path: 'Customer.addresses' }
 * ```
 */
export interface LeakEvent {
  /** The entity of the removed row. */
  readonly entity: string
  /** `Owner.property` of the relation it was loaded through, or `null` for a row returned by the query itself. */
  readonly relation: string | null
  /** The removed row's primary key: the value for a single key, an object for a composite one. */
  readonly primaryKey: unknown
  /** The tenant in context when the row was loaded. */
  readonly expectedTenant: TenantId
  /** The tenant the row belongs to (`null` for a NULL tenant on an entity without shared rows). */
  readonly foundTenant: unknown
  /** Where in the result the row was: the root entity and the relation properties down to it, e.g. `SupportTicket.comments.author`. */
  readonly path: string
}
