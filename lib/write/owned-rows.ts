import type { DataSource, QueryRunner } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import { CrossTenantWriteError } from '../errors'

/** A reference from a written row to rows of a scoped entity: the referenced columns and their values. */
export interface Reference {
  readonly target: EntityMetadata
  readonly columns: readonly ColumnMetadata[]
  readonly values: ReadonlyArray<readonly unknown[]>
}

/**
 * Refuses with {@link CrossTenantWriteError} when any referenced row is not visible to the current tenant
 * (foreign and missing rows are refused alike, so the error reveals nothing). One filtered
 * `SELECT COUNT` per referenced entity, on the writer's query runner so rows inserted earlier in the same
 * transaction count.
 */
export async function assertReferencesOwned(
  runtime: TenancyRuntime,
  queryRunner: QueryRunner | undefined,
  writtenEntity: string,
  references: readonly Reference[],
): Promise<void> {
  for (const reference of references) {
    const unique = new Map<string, readonly unknown[]>()
    for (const tuple of reference.values) {
      if (tuple.some((v) => v === null || v === undefined)) continue
      unique.set(JSON.stringify(tuple.map((v) => String(v))), tuple)
    }
    if (unique.size === 0) continue
    const found = await countVisible(runtime.dataSource, queryRunner, reference, [...unique.values()])
    if (found < unique.size) throw CrossTenantWriteError.foreignReference(writtenEntity, reference.target.name)
  }
}

async function countVisible(dataSource: DataSource, queryRunner: QueryRunner | undefined, reference: Reference, tuples: ReadonlyArray<readonly unknown[]>): Promise<number> {
  const alias = 'tenancy_ref'
  const qb = dataSource.createQueryBuilder(reference.target.target, alias, queryRunner)
  const parameters: Record<string, unknown> = {}
  const clauses = tuples.map((tuple, row) =>
    '(' +
    reference.columns
      .map((column, i) => {
        const name = `tenancy_ref_${row}_${i}`
        parameters[name] = tuple[i]
        return `${qb.escape(alias)}.${qb.escape(column.databaseName)} = :${name}`
      })
      .join(' AND ') +
    ')',
  )
  return qb.where(clauses.join(' OR '), parameters).withDeleted().getCount()
}

/** The references a value set of `metadata` makes to scoped entities through its owning relations. */
export function relationReferences(runtime: TenancyRuntime, metadata: EntityMetadata, valueSets: readonly object[]): Reference[] {
  const references: Reference[] = []
  for (const relation of metadata.relations) {
    if (!relation.isOwning || relation.isManyToMany || relation.joinColumns.length === 0) continue
    const target = relation.inverseEntityMetadata
    if (runtime.entityScopeOf(target) === undefined) continue
    const referenced = relation.joinColumns.map((c) => c.referencedColumn)
    if (referenced.some((c) => c === undefined)) continue
    const values = valueSets.map((set) => relation.joinColumns.map((c) => c.getEntityValue(set) as unknown))
    references.push({ target, columns: referenced as ColumnMetadata[], values })
  }
  return references
}
