import type { RelationMetadata } from 'typeorm/metadata/RelationMetadata'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import { assertReferencesOwned, relationReferences, tupleKey, VerifiedReferences, type Reference } from './owned-rows'
import type { SubjectExecutorInternals, SubjectInternals } from './write-builder-internals'
import { referenceTenant } from './write-tenant'

/**
 * Checks, before the first statement of a `save()`/`remove()` batch, that every foreign key the batch writes to
 * a scoped entity names a row of the current tenant: the many-to-one keys of new rows and the changed keys of
 * updated rows, one filtered `SELECT COUNT` per referenced entity, one after the other on the batch's query
 * runner. TypeORM then runs update subjects in parallel; their builders find the references verified here and
 * send no query of their own (so the guard never has two queries in flight on one connection), and a foreign
 * key is refused before any row of the batch is written, even with `{ transaction: false }`.
 *
 * References to rows the batch itself inserts (an app-assigned UUID key) are not in the database yet: they are
 * checked when the referencing row's builder runs, after those rows are written.
 */
export async function checkBatchReferences(runtime: TenancyRuntime, executor: SubjectExecutorInternals): Promise<VerifiedReferences> {
  const verified = new VerifiedReferences(runtime, insertedRows(executor.allSubjects))
  const byEntity = new Map<string, Reference[]>()
  for (const subject of executor.allSubjects) {
    const moved = movedClosureNode(runtime, subject)
    if (moved !== undefined) byEntity.set(subject.metadata.name, [...(byEntity.get(subject.metadata.name) ?? []), moved])
    if (subject.entity === undefined || runtime.scopeOf(subject.metadata)?.kind === 'junction') continue
    if (referenceTenant(runtime, subject.metadata) === undefined) continue
    let references: Reference[]
    if (subject.mustBeInserted) references = relationReferences(runtime, subject.metadata, [subject.entity])
    else if (subject.mustBeUpdated) references = relationReferences(runtime, subject.metadata, [subject.entity], (r) => changes(subject, r))
    else continue
    const list = byEntity.get(subject.metadata.name) ?? []
    for (const reference of references) {
      const values = reference.values.filter((tuple) => !verified.inserts(reference, tupleKey(tuple)))
      list.push({ ...reference, values })
    }
    byEntity.set(subject.metadata.name, list)
  }
  for (const [entity, references] of byEntity) {
    await assertReferencesOwned(runtime, executor.queryRunner, entity, merge(references), verified)
  }
  return verified
}

/**
 * A node of a scoped closure-table tree that the batch moves (an update subject, often only an id put in a loaded
 * node's `children`): TypeORM rewrites the closure table for it with raw SQL before the node's own (filtered)
 * UPDATE, so the node itself must be a row of the current tenant, checked like a reference.
 */
function movedClosureNode(runtime: TenancyRuntime, subject: SubjectInternals): Reference | undefined {
  const metadata = subject.metadata
  if (!subject.mustBeUpdated || metadata.treeType !== 'closure-table' || subject.identifier === undefined) return undefined
  if (runtime.entityScopeOf(metadata) === undefined || referenceTenant(runtime, metadata) === undefined) return undefined
  const columns = metadata.primaryColumns
  const identifier = subject.identifier
  return { target: metadata, columns, values: [columns.map((c) => c.getEntityValue(identifier) as unknown)], via: `a ${metadata.name} tree node moved to another parent` }
}

/** The relation's foreign key is written by this update (through the relation or its join column). */
function changes(subject: SubjectInternals, relation: RelationMetadata): boolean {
  if (subject.diffRelations?.includes(relation)) return true
  const diff = new Set(subject.diffColumns.map((c) => c.databaseName))
  return relation.joinColumns.some((c) => diff.has(c.databaseName))
}

/** The entities the batch inserts, by metadata. */
function insertedRows(subjects: readonly SubjectInternals[]): Map<EntityMetadata, object[]> {
  const rows = new Map<EntityMetadata, object[]>()
  for (const subject of subjects) {
    if (!subject.mustBeInserted || subject.entity === undefined) continue
    const list = rows.get(subject.metadata) ?? []
    list.push(subject.entity)
    rows.set(subject.metadata, list)
  }
  return rows
}

/** One reference per (target, columns): a single query per referenced entity. */
function merge(references: readonly Reference[]): Reference[] {
  const merged = new Map<string, Reference & { values: Array<readonly unknown[]> }>()
  for (const reference of references) {
    const key = `${reference.target.name}\u0000${reference.columns.map((c) => c.propertyPath).join(',')}`
    const existing = merged.get(key)
    if (existing === undefined) merged.set(key, { ...reference, values: [...reference.values] })
    else existing.values.push(...reference.values)
  }
  return [...merged.values()]
}
