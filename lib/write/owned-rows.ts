import type { DataSource, QueryRunner } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata'
import type { RelationMetadata } from 'typeorm/metadata/RelationMetadata'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import { sameContext, type TenantContext } from '../context/tenant-context'
import { CrossTenantWriteError } from '../errors'

/** A reference from a written row to rows of a scoped entity: the referenced columns and their values. */
export interface Reference {
  readonly target: EntityMetadata
  readonly columns: readonly ColumnMetadata[]
  readonly values: ReadonlyArray<readonly unknown[]>
  /** How the written row names the reference (its foreign-key property), for error messages. */
  readonly via: string
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
  /** The batch that records what was verified; by default the one running on `queryRunner`, if any. */
  batch?: VerifiedReferences,
): Promise<void> {
  for (const reference of references) assertPlainValues(writtenEntity, reference)
  // a batch verified its references for the tenant it ran under: a write nested under another tenant (a listener
  // calling runWithTenant) on the same query runner must check its own
  const running = batch ?? (queryRunner === undefined ? undefined : batches.get(queryRunner))
  const verified = running !== undefined && running.isFor(runtime.store.get()) ? running : undefined
  // one query at a time on the writer's connection: never two queries in flight on one pg client
  for (const reference of references) {
    const unique = new Map<string, readonly unknown[]>()
    for (const tuple of reference.values) {
      if (tuple.some((v) => v === null || v === undefined)) continue
      const key = tupleKey(tuple)
      if (verified?.get(reference.target)?.has(key)) continue
      unique.set(key, tuple)
    }
    if (unique.size === 0) continue
    const found = await countVisible(runtime.dataSource, queryRunner, reference, [...unique.values()])
    if (found < unique.size) throw CrossTenantWriteError.foreignReference(writtenEntity, reference.target.name)
    if (verified !== undefined) {
      const keys = verified.get(reference.target) ?? new Set<string>()
      for (const key of unique.keys()) keys.add(key)
      verified.set(reference.target, keys)
    }
  }
}

/**
 * The references a `save()`/`remove()` batch checked up front, by referenced entity; the write builders that
 * the batch then runs (TypeORM runs update subjects in parallel) skip them instead of querying again.
 */
export class VerifiedReferences extends Map<EntityMetadata, Set<string>> {
  /** The context the batch was checked under (the references are the rows *this* tenant can load). */
  private readonly context: TenantContext | undefined

  constructor(
    runtime: TenancyRuntime,
    /** Rows the batch itself inserts, by entity: not in the database yet, so checked when their builder runs. */
    private readonly pending: ReadonlyMap<EntityMetadata, readonly object[]> = new Map(),
  ) {
    super()
    this.context = runtime.store.get()
  }

  /** True when `context` is the one the batch was verified under (the same tenant, or both a bypass). */
  isFor(context: TenantContext | undefined): boolean {
    return sameContext(this.context, context)
  }

  /** A reference to a row the batch inserts: left to the check at the referencing builder's execution. */
  inserts(reference: Reference, key: string): boolean {
    const rows = this.pending.get(reference.target)
    return rows !== undefined && rows.some((row) => tupleKey(reference.columns.map((c) => c.getEntityValue(row) as unknown)) === key)
  }
}

const batches = new WeakMap<QueryRunner, VerifiedReferences>()

/** Runs `fn` with `verified` as the batch of `queryRunner`, restoring the outer batch (if any) afterwards. */
export async function withVerifiedBatch<T>(queryRunner: QueryRunner, verified: VerifiedReferences, fn: () => Promise<T>): Promise<T> {
  const outer = batches.get(queryRunner)
  batches.set(queryRunner, verified)
  try {
    return await fn()
  } finally {
    if (outer === undefined) batches.delete(queryRunner)
    else batches.set(queryRunner, outer)
  }
}

/** How a tuple of referenced column values is compared (`1` and `'1'` alike). */
export function tupleKey(tuple: readonly unknown[]): string {
  return JSON.stringify(tuple.map((v) => String(v)))
}

/**
 * A raw SQL expression (a function value, as `set({ ticketId: () => '3' })` and `increment()` produce) cannot be
 * checked against the tenant: refused before any SQL, like a raw value for the tenant column.
 */
function assertPlainValues(writtenEntity: string, reference: Reference): void {
  for (const tuple of reference.values) {
    if (tuple.some((v) => typeof v === 'function')) throw CrossTenantWriteError.opaqueReference(writtenEntity, reference.via, reference.target.name)
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
export function relationReferences(
  runtime: TenancyRuntime,
  metadata: EntityMetadata,
  valueSets: readonly object[],
  include: (relation: RelationMetadata) => boolean = () => true,
): Reference[] {
  const references: Reference[] = []
  for (const relation of metadata.relations) {
    if (!include(relation)) continue
    if (!relation.isOwning || relation.isManyToMany || relation.joinColumns.length === 0) continue
    const target = relation.inverseEntityMetadata
    if (runtime.entityScopeOf(target) === undefined) continue
    const referenced = relation.joinColumns.map((c) => c.referencedColumn)
    if (referenced.some((c) => c === undefined)) continue
    const values = valueSets.map((set) => {
      const raw: unknown = relation.getEntityValue(set)
      // a function given for the relation property itself is as opaque as one given for its join column
      return typeof raw === 'function' ? [raw] : relation.joinColumns.map((c) => c.getEntityValue(set) as unknown)
    })
    const via = relation.joinColumns.map((c) => c.propertyPath).join(', ')
    references.push({ target, columns: referenced as ColumnMetadata[], values, via })
  }
  return references
}

/** The references a junction row makes to both of its ends (each a scoped entity's primary key). */
export function junctionReferences(
  ends: ReadonlyArray<{ target: { metadata: EntityMetadata }; junctionColumns: readonly ColumnMetadata[]; referencedColumns: readonly ColumnMetadata[] }>,
  valueSets: readonly object[],
): Reference[] {
  return ends.map((end) => ({
    target: end.target.metadata,
    columns: end.referencedColumns,
    via: end.junctionColumns.map((c) => c.databaseName).join(', '),
    values: valueSets.map((values) =>
      end.junctionColumns.map((column) => (column.getEntityValue(values) as unknown) ?? (values as Record<string, unknown>)[column.databaseName]),
    ),
  }))
}
