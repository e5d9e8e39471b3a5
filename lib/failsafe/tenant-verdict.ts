import type { ScopedEntity } from '../metadata/scoped-entity'
import { sameTenant, type TenantId } from '../tenant-id'

/** Marker: the row may stay. */
export const KEEP: unique symbol = Symbol('keep')

/**
 * Whether a loaded row of `scope` may be shown to `tenantId`: {@link KEEP}, or the foreign tenant it holds.
 *
 * - the tenant property is absent (a partial select, a relation-id stub): kept, there is nothing to judge;
 * - NULL: kept when the entity has shared rows (`shared: 'null'`), else reported as found tenant `null`
 *   (the query filter would not have returned it);
 * - otherwise kept when it is the same tenant (`42` and `'42'` are one tenant).
 */
export function tenantVerdict(scope: ScopedEntity, row: object, tenantId: TenantId): typeof KEEP | unknown {
  const found = tenantValue(scope, row)
  if (found === undefined) return KEEP
  if (found === null) return scope.shared ? KEEP : null
  return tenantEquals(scope, found, tenantId) ? KEEP : found
}

/**
 * Equality as the database sees it, so a tenant id in another spelling that the query filter matched is not
 * taken for another tenant: numerically on a numeric column (`'01'` is tenant `1`), case-insensitively on a
 * uuid column, by text otherwise (`42` and `'42'` are one tenant).
 */
export function tenantEquals(scope: ScopedEntity, found: unknown, tenantId: TenantId): boolean {
  if (sameTenant(found, tenantId)) return true
  if (typeof found !== 'string' && typeof found !== 'number' && typeof found !== 'bigint') return false
  if (scope.numeric) return numericEqual(String(found), String(tenantId))
  if (scope.column.type === 'uuid') return String(found).toLowerCase() === String(tenantId).toLowerCase()
  return false
}

const INTEGER = /^\s*[-+]?\d+\s*$/

function numericEqual(a: string, b: string): boolean {
  if (INTEGER.test(a) && INTEGER.test(b)) return BigInt(a.trim()) === BigInt(b.trim())
  const x = Number(a)
  const y = Number(b)
  return a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && x === y
}

/**
 * Whether application code may add `element` to a collection of `scope` held by `tenantId`: anything that is
 * not a row of another tenant. An element with no tenant yet (a new entity) is allowed: the write guard
 * stamps or refuses it when it is saved.
 */
export function isForeignElement(scope: ScopedEntity, element: unknown, tenantId: TenantId): boolean {
  if (typeof element !== 'object' || element === null) return false
  const found = tenantValue(scope, element)
  return found !== undefined && found !== null && !tenantEquals(scope, found, tenantId)
}

/**
 * The tenant value of a row: a plain property read for a plain column, and for a column that is also a relation's
 * foreign key (`@Column() organizationId` beside `@ManyToOne() @JoinColumn({ name: 'organizationId' })`): the
 * column's own property while the relation is not loaded, the referenced key of the loaded entity otherwise (the
 * value TypeORM's accessor prefers); TypeORM's accessor for everything else (embedded columns, odd shapes).
 */
export function tenantValue(scope: ScopedEntity, row: object): unknown {
  const column = scope.column
  if (column.embeddedMetadata === undefined) {
    const record = row as Record<string, unknown>
    const relation = column.relationMetadata
    if (relation === undefined) return record[column.propertyName]
    if (!relation.isLazy && relation.embeddedMetadata === undefined) {
      const related = record[relation.propertyName]
      if (related === undefined || related === null) {
        const value = record[column.propertyName]
        if (typeof value !== 'object' || value === null) return value
      } else if ((related as { constructor?: unknown }).constructor === relation.inverseEntityMetadata.target) {
        // a loaded entity of the relation's own class: TypeORM reads the referenced column on it
        const referenced = column.referencedColumn
        if (referenced !== undefined && referenced.embeddedMetadata === undefined && referenced.relationMetadata === undefined) {
          return (related as Record<string, unknown>)[referenced.propertyName]
        }
      }
    }
  }
  return column.getEntityValue(row)
}
