import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { RelationMetadata } from 'typeorm/metadata/RelationMetadata'
import { CrossTenantRowError } from '../errors'
import type { FailsafeRuntime } from './failsafe-runtime'

/**
 * The no-data-loss rule. TypeORM's `save` diffs an entity's relations against a fresh database snapshot: a
 * collection missing rows the failsafe removed becomes `UPDATE ... SET fk = NULL`, a junction `DELETE`, or
 * (with `orphanedRowAction: 'delete'`) a `DELETE` of the row itself; `remove` deletes junction rows and
 * cascades. So a write that reaches an entity the failsafe stripped rows from is refused, before any SQL:
 *
 * - `save`: refused when a stripped relation still holds a value (`undefined` is ignored by TypeORM, so
 *   `delete customer.addresses` makes the save safe);
 * - `remove`, `softRemove`, `recover`: refused when a collection or the inverse side of a one-to-one was
 *   stripped, whatever it holds now (TypeORM acts on every row the database has there).
 *
 * The entities reached are the ones TypeORM itself reaches: those passed in and, through cascading relations,
 * those below them.
 *
 * Returns the error to throw, or `undefined` when the write is safe.
 */
export function unsafeWrite(failsafe: FailsafeRuntime, entity: unknown, mode: string, target: unknown): CrossTenantRowError | undefined {
  const roots = Array.isArray(entity) ? (entity as unknown[]) : [entity]
  const fallback = rootMetadata(failsafe, target)
  const visited = new Set<object>()
  const stack: Array<[object, EntityMetadata | undefined]> = []
  for (const root of roots) if (typeof root === 'object' && root !== null) stack.push([root, fallback])
  while (stack.length > 0) {
    const [current, hint] = stack.pop()!
    if (visited.has(current)) continue
    visited.add(current)
    const metadata = hint === undefined ? rootMetadata(failsafe, (current as { constructor?: unknown }).constructor) : failsafe.model.metadataOf(current, hint)
    const stripped = failsafe.strippedFrom(current)
    if (stripped !== undefined) {
      const blocking = [...stripped].filter((relation) => blocks(relation, current, mode))
      if (blocking.length > 0) {
        return CrossTenantRowError.writeAfterStrip(metadata?.name ?? blocking[0]!.entityMetadata.name, blocking.map((r) => `${r.entityMetadata.name}.${r.propertyPath}`), mode)
      }
    }
    if (metadata === undefined) continue
    for (const relation of metadata.relations) {
      if (!cascades(relation, mode)) continue
      const value: unknown = relation.getEntityValue(current)
      if (Array.isArray(value)) {
        for (const item of value) if (typeof item === 'object' && item !== null) stack.push([item, relation.inverseEntityMetadata])
      } else if (typeof value === 'object' && value !== null) {
        stack.push([value, relation.inverseEntityMetadata])
      }
    }
  }
  return undefined
}

function blocks(relation: RelationMetadata, entity: object, mode: string): boolean {
  if (mode === 'save') return relation.getEntityValue(entity) !== undefined
  return relation.isOneToMany || relation.isManyToMany || relation.isOneToOneNotOwner
}

function cascades(relation: RelationMetadata, mode: string): boolean {
  switch (mode) {
    case 'save':
      return relation.isCascadeInsert || relation.isCascadeUpdate
    case 'remove':
      return relation.isCascadeRemove
    case 'soft-remove':
      return relation.isCascadeSoftRemove
    case 'recover':
      return relation.isCascadeRecover
    default:
      return true
  }
}

function rootMetadata(failsafe: FailsafeRuntime, target: unknown): EntityMetadata | undefined {
  if (target === undefined || target === null || target === Object) return undefined
  const dataSource = failsafe.dataSource
  return dataSource.hasMetadata(target as Function) ? dataSource.getMetadata(target as Function) : undefined
}
