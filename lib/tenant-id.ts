import { InvalidTenantIdError } from './errors'

/** The identifier of a tenant: a number (serial keys) or a string (UUIDs, slugs). */
export type TenantId = string | number

/**
 * Refuses anything that cannot identify a tenant: `undefined`, `null`, `''`, blank strings, `NaN`,
 * `Infinity`, objects. An empty tenant must never mean "no filter".
 */
export function assertTenantId(value: unknown): asserts value is TenantId {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return
  } else if (typeof value === 'string') {
    if (value.trim() !== '') return
  }
  throw InvalidTenantIdError.forValue(value)
}

/** Two tenant ids are the same tenant when their text is equal (42 and '42' are one tenant). */
export function sameTenant(a: unknown, b: TenantId): boolean {
  if (a === b) return true
  if (a === null || a === undefined) return false
  if (typeof a !== 'string' && typeof a !== 'number' && typeof a !== 'bigint') return false
  return String(a) === String(b)
}
