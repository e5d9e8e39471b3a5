import { RelationQueryBuilder } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import { runtimeOf } from '../install/runtime-registry'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import { assertReferencesOwned, type Reference } from './owned-rows'
import { builderDataSource, type WriteBuilderInternals } from './write-builder-internals'
import { writeTenant } from './write-tenant'

type Method = (this: WriteBuilderInternals, ...args: unknown[]) => Promise<unknown>

/**
 * Wraps `RelationQueryBuilder.set`, `add` and `remove` (`addAndRemove` calls both): before anything is
 * linked or unlinked, every entity given to `.of(...)` and every related id must be a row the current
 * tenant can load. A junction table has no tenant column, so without this check `add` would link another
 * tenant's row. Foreign and missing ids are refused alike with {@link CrossTenantWriteError}.
 */
export function patchRelationBuilder(): void {
  const proto = RelationQueryBuilder.prototype as unknown as Record<string, Method>
  for (const name of ['set', 'add', 'remove'] as const) {
    const original = proto[name]!
    proto[name] = async function (this: WriteBuilderInternals, ...args: unknown[]) {
      const runtime = runtimeOf(builderDataSource(this))
      const relation = this.expressionMap.relationMetadata
      if (runtime !== undefined && relation !== undefined) {
        const value = args[0]
        const references: Reference[] = []
        const owner = idReference(runtime, relation.entityMetadata, this.expressionMap.of)
        if (owner) references.push(owner)
        if (value !== null && value !== undefined) {
          const related = idReference(runtime, relation.inverseEntityMetadata, value)
          if (related) references.push(related)
        }
        if (references.length > 0) await assertReferencesOwned(runtime, this.queryRunner, relation.entityMetadata.name, references)
      }
      return original.apply(this, args)
    }
  }
}

/** The ids in `value` (entities, ids or id maps, one or many) as a reference to `metadata`'s primary key. */
function idReference(runtime: TenancyRuntime, metadata: EntityMetadata, value: unknown): Reference | undefined {
  const scope = runtime.entityScopeOf(metadata)
  if (scope === undefined || writeTenant(runtime, scope) === undefined) return undefined
  const ids = Array.isArray(value) ? value : [value]
  const columns = metadata.primaryColumns
  const values = ids.map((id) => {
    const map = metadata.ensureEntityIdMap(id)
    return columns.map((c) => c.getEntityValue(map, true) as unknown)
  })
  return { target: metadata, columns, values, via: `the id of ${metadata.name}` }
}
