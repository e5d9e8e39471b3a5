import type { DataSource } from 'typeorm'
import { failsafeOf, type FailsafeCounters } from './failsafe-runtime'

const NONE: FailsafeCounters = Object.freeze({ strippedRows: 0, strippedByEntity: Object.freeze({}), refusedWrites: 0 })

/**
 * The failsafe's counters of a DataSource: rows of other tenants removed (in total and per entity) and writes
 * refused since start-up. All zero when the failsafe is off. Export them to your metrics; anything above
 * zero means a query is missing the tenant filter.
 *
 * ```ts
 * const { strippedRows, strippedByEntity } = failsafeCounters(dataSource)
 * // { strippedRows: 1, strippedByEntity: { Address: 1 }, refusedWrites: 0 }
 * ```
 */
export function failsafeCounters(dataSource: DataSource): FailsafeCounters {
  return failsafeOf(dataSource)?.counters() ?? NONE
}

/** Sets the failsafe's counters of a DataSource back to zero (for tests and per-interval metrics). */
export function resetFailsafeCounters(dataSource: DataSource): void {
  failsafeOf(dataSource)?.resetCounters()
}
