import { SelectQueryBuilder, TreeRepository } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { RelationMetadata } from 'typeorm/metadata/RelationMetadata'
import { EntityPersistExecutor } from 'typeorm/persistence/EntityPersistExecutor'
import { RelationLoader } from 'typeorm/query-builder/RelationLoader'
import { TypeormIncompatibleError } from '../errors'
import { typeormVersion } from '../install/typeorm-version'
import { failsafeOf, type FailsafeRuntime } from './failsafe-runtime'
import { asCheckedLoad, insideCheckedLoad } from './load-frame'
import type { LoadMode } from './strip-model'
import type { StripPass } from './strip-pass'
import { unsafeWrite } from './write-after-strip'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Method = (this: any, ...args: unknown[]) => unknown

interface SelectInternals {
  readonly connection?: object
  readonly dataSource?: object
  readonly relationMetadatas?: readonly unknown[]
  readonly expressionMap: { readonly mainAlias?: { readonly hasMetadata: boolean; readonly metadata: EntityMetadata }; readonly callListeners: boolean }
}

interface EntitiesAndRaw {
  entities: unknown[]
  raw: unknown[]
}

interface LoaderInternals {
  readonly connection?: object
  readonly dataSource?: object
}

interface TreeInternals {
  readonly metadata: EntityMetadata
  readonly manager: { readonly connection?: object; readonly dataSource?: object }
}

interface PersistInternals {
  readonly connection?: object
  readonly dataSource?: object
  readonly mode: string
  readonly target?: unknown
  readonly entity: unknown
}

const PATCHED = [
  [SelectQueryBuilder.prototype, 'SelectQueryBuilder', 'executeEntitiesAndRawResults'],
  [RelationLoader.prototype, 'RelationLoader', 'load'],
  [TreeRepository.prototype, 'TreeRepository', 'findTrees'],
  [TreeRepository.prototype, 'TreeRepository', 'findDescendantsTree'],
  [TreeRepository.prototype, 'TreeRepository', 'findAncestorsTree'],
  [EntityPersistExecutor.prototype, 'EntityPersistExecutor', 'execute'],
] as const

/** Checks the TypeORM internals the failsafe wraps; throws `TypeormIncompatibleError` naming the version. */
export function assertFailsafeShape(): void {
  for (const [prototype, className, name] of PATCHED) {
    if (typeof (prototype as unknown as Record<string, unknown>)[name] !== 'function') {
      throw TypeormIncompatibleError.forShape(typeormVersion(), `${className}.prototype.${name} is missing (the failsafe wraps it)`)
    }
  }
}

let patched = false

/**
 * Wraps, once per process, the places where TypeORM hands loaded entities back. Every wrapper does nothing
 * for a DataSource without the failsafe.
 *
 * - `SelectQueryBuilder.executeEntitiesAndRawResults` (every find, `getMany`, `getOne`, `getRawAndEntities`,
 *   `getManyAndCount`, the snapshot `save` loads): removes root rows of other tenants from `entities` and walks
 *   their loaded relations (including those strategy `query` fills after the load events).
 * - `RelationLoader.load` (lazy relations once awaited, `relation().of().loadOne()/loadMany()`): filters the
 *   rows loaded for the owners, and remembers the owners as stripped.
 * - `TreeRepository.findTrees / findDescendantsTree / findAncestorsTree`: walks the assembled tree, so a child
 *   of another tenant is removed from its parent's `children`, and that parent is remembered.
 * - `EntityPersistExecutor.execute` (`save`, `remove`, `softRemove`, `recover`): refuses to write an entity the
 *   failsafe stripped rows from when TypeORM would act on the rows it cannot see.
 */
export function patchFailsafe(): void {
  if (patched) return
  patched = true

  const select = SelectQueryBuilder.prototype as unknown as Record<string, Method>
  const executeEntitiesAndRawResults = select['executeEntitiesAndRawResults']!
  // Not an async function: a DataSource without the failsafe, an inert entity or a bypass gets TypeORM's own
  // promise back, with no extra promise or await around it. A check that throws rejects, as TypeORM's does.
  select['executeEntitiesAndRawResults'] = function (this: SelectInternals, ...args: unknown[]) {
    let failsafe: FailsafeRuntime | undefined
    let metadata: EntityMetadata
    let mode: LoadMode
    let pass: StripPass | undefined
    try {
      failsafe = failsafeOf(this.dataSource ?? this.connection)
      if (failsafe === undefined || insideCheckedLoad()) return executeEntitiesAndRawResults.apply(this, args)
      const mainAlias = this.expressionMap.mainAlias
      if (!mainAlias?.hasMetadata) return executeEntitiesAndRawResults.apply(this, args)
      metadata = mainAlias.metadata
      mode = failsafe.model.loadMode(metadata)
      if (mode === 'inert') return executeEntitiesAndRawResults.apply(this, args)
      pass = failsafe.passForContext()
      if (pass === undefined) return executeEntitiesAndRawResults.apply(this, args)
    } catch (error) {
      return Promise.reject(error)
    }
    return checkedLoad(this, executeEntitiesAndRawResults, args, failsafe, metadata, mode, pass)
  }

  const loader = RelationLoader.prototype as unknown as Record<string, Method>
  const load = loader['load']!
  loader['load'] = async function (this: LoaderInternals, ...args: unknown[]) {
    const failsafe = failsafeOf(this.dataSource ?? this.connection)
    if (failsafe === undefined || insideCheckedLoad()) return load.apply(this, args)
    const relation = args[0] as RelationMetadata
    const rows = (await asCheckedLoad(() => load.apply(this, args))) as unknown[]
    if (!Array.isArray(rows) || rows.length === 0) return rows
    const pass = failsafe.passForContext()
    if (pass === undefined) return rows
    const owners = Array.isArray(args[1]) ? (args[1] as unknown[]) : [args[1]]
    const kept = pass.relationRows(relation, owners, rows)
    failsafe.report(pass)
    return kept
  }

  const tree = TreeRepository.prototype as unknown as Record<string, Method>
  for (const name of ['findTrees', 'findDescendantsTree', 'findAncestorsTree'] as const) {
    const original = tree[name]!
    tree[name] = async function (this: TreeInternals, ...args: unknown[]) {
      const failsafe = failsafeOf(this.manager.dataSource ?? this.manager.connection)
      if (failsafe === undefined || insideCheckedLoad()) return original.apply(this, args)
      const result = await asCheckedLoad(() => original.apply(this, args))
      const pass = failsafe.passForContext()
      if (pass === undefined) return result
      if (Array.isArray(result)) {
        const kept = pass.roots(this.metadata, result)
        failsafe.report(pass)
        return kept
      }
      if (typeof result === 'object' && result !== null) pass.entity(result, this.metadata, this.metadata.name)
      failsafe.report(pass)
      return result
    }
  }

  const persist = EntityPersistExecutor.prototype as unknown as Record<string, Method>
  const execute = persist['execute']!
  persist['execute'] = function (this: PersistInternals, ...args: unknown[]) {
    const failsafe = failsafeOf(this.dataSource ?? this.connection)
    if (failsafe !== undefined && failsafe.hasStripped) {
      const refused = unsafeWrite(failsafe, this.entity, this.mode, this.target)
      if (refused !== undefined) {
        failsafe.countRefusedWrite()
        return Promise.reject(refused)
      }
    }
    return execute.apply(this, args)
  }
}

/** The checked part of `executeEntitiesAndRawResults`: runs the load, then filters its roots and reports. */
async function checkedLoad(
  qb: SelectInternals,
  execute: Method,
  args: unknown[],
  failsafe: FailsafeRuntime,
  metadata: EntityMetadata,
  mode: LoadMode,
  pass: StripPass,
): Promise<EntitiesAndRaw> {
  const nestedLoads = (qb.relationMetadatas?.length ?? 0) > 0
  // One walk per load: when the subscriber's afterLoad sees every entity of the result (join-loaded relations,
  // listeners on, no lazy relation or inheritance in the graph), it filters each entity's relations with this
  // query's pass, and only the root rows are left to check here. Otherwise the whole result is walked.
  const queryRunner = args[0]
  const shared =
    mode === 'events' &&
    !nestedLoads &&
    !pass.failClosed &&
    qb.expressionMap.callListeners === true &&
    typeof queryRunner === 'object' &&
    queryRunner !== null &&
    failsafe.subscribed
  let result: EntitiesAndRaw
  if (shared) {
    const previous = failsafe.beginLoad(queryRunner, pass)
    try {
      result = (await execute.apply(qb, args)) as EntitiesAndRaw
    } catch (error) {
      failsafe.endLoad(queryRunner, pass, previous)
      failsafe.reportAfterFailure(pass)
      throw error
    }
    failsafe.endLoad(queryRunner, pass, previous)
  } else {
    result = (await (nestedLoads ? asCheckedLoad(() => execute.apply(qb, args)) : execute.apply(qb, args))) as EntitiesAndRaw
  }
  if (result.entities.length > 0) result.entities = pass.roots(metadata, result.entities, !shared)
  failsafe.report(pass)
  return result
}
