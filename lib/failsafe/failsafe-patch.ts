import { SelectQueryBuilder, TreeRepository } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { RelationMetadata } from 'typeorm/metadata/RelationMetadata'
import { EntityPersistExecutor } from 'typeorm/persistence/EntityPersistExecutor'
import { RelationLoader } from 'typeorm/query-builder/RelationLoader'
import { Broadcaster } from 'typeorm/subscriber/Broadcaster'
import { TypeormIncompatibleError } from '../errors'
import { typeormVersion } from '../install/typeorm-version'
import { enterLoadBroadcast, insideLoadBroadcast, leaveLoadBroadcast } from './broadcast-pass'
import { failsafeOf, type FailsafeRuntime } from './failsafe-runtime'
import { asCheckedLoad, insideCheckedLoad } from './load-frame'
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

interface BroadcasterInternals {
  readonly queryRunner?: unknown
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
  [Broadcaster.prototype, 'Broadcaster', 'broadcastLoadEvent'],
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
 * - `Broadcaster.broadcastLoadEvent` (the synchronous call that fires a query's `afterLoad` events): before
 *   any `afterLoad` runs, removes the root rows of other tenants from the array the query returns. A result
 *   TypeORM's events see whole (load plan `events`) it filters whole, in the same call, and TypeORM skips the
 *   subscriber (and when no `afterLoad` of any kind could run for the result, TypeORM's walk, which would call
 *   nothing); otherwise the subscriber's `afterLoad` calls share its pass. Reported once when it returns.
 * - `SelectQueryBuilder.executeEntitiesAndRawResults` (every find, `getMany`, `getOne`, `getRawAndEntities`,
 *   `getManyAndCount`, the snapshot `save` loads), when the load events cannot see the whole result (strategy
 *   `query`, `callListeners(false)`, lazy relations, inheritance, no context): removes root rows of other
 *   tenants from `entities` and walks their loaded relations once the query returns.
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
  // Not an async function: a DataSource without the failsafe, an inert entity, a bypass, and a load the load
  // broadcast checks whole get TypeORM's own promise back, with no extra promise or await around it. A check
  // that throws rejects, as TypeORM's does. TypeORM's signature, `(queryRunner)`, is spelled out: a call through
  // `apply` with a rest array cost more than the checks around it.
  select['executeEntitiesAndRawResults'] = function (this: SelectInternals, queryRunner: unknown) {
    let failsafe: FailsafeRuntime | undefined
    let metadata: EntityMetadata
    let pass: StripPass | undefined
    let nestedLoads: boolean
    try {
      const dataSource = this.dataSource ?? this.connection
      failsafe = failsafeOf(dataSource)
      if (failsafe === undefined || insideCheckedLoad()) return executeEntitiesAndRawResults.call(this, queryRunner)
      const mainAlias = this.expressionMap.mainAlias
      if (!mainAlias?.hasMetadata) return executeEntitiesAndRawResults.call(this, queryRunner)
      metadata = mainAlias.metadata
      const mode = failsafe.model.loadPlan(metadata).mode
      if (mode === 'inert') return executeEntitiesAndRawResults.call(this, queryRunner)
      const context = failsafe.tenancy.store.get()
      // under runWithoutTenant nothing is stripped
      if (context !== undefined && context.kind !== 'tenant') return executeEntitiesAndRawResults.call(this, queryRunner)
      nestedLoads = (this.relationMetadatas?.length ?? 0) > 0
      // The load broadcast checks the whole result when the subscriber's afterLoad sees every entity of it
      // (join-loaded relations, listeners on, no lazy relation or inheritance in the graph): it filters the root
      // rows and each entity's relations in the same synchronous call. Otherwise the result is walked here.
      // The query runner's DataSource is the one whose broadcast runs: a runner of another DataSource (one
      // without the failsafe) would broadcast with no check, so such a load is walked here.
      if (
        context !== undefined &&
        mode === 'events' &&
        !nestedLoads &&
        this.expressionMap.callListeners === true &&
        failsafe.subscribed &&
        runnerDataSource(queryRunner) === dataSource
      ) {
        return executeEntitiesAndRawResults.call(this, queryRunner)
      }
      pass = failsafe.passIn(context)
      if (pass === undefined) return executeEntitiesAndRawResults.call(this, queryRunner)
    } catch (error) {
      return Promise.reject(error)
    }
    return checkedLoad(this, executeEntitiesAndRawResults, queryRunner, failsafe, metadata, pass, nestedLoads)
  }

  const broadcaster = Broadcaster.prototype as unknown as Record<string, Method>
  const broadcastLoadEvent = broadcaster['broadcastLoadEvent']!
  // Synchronous, as TypeORM's: it fires every afterLoad of a query's result in one call and recurses into the
  // loaded relations. The root call first removes the root rows of other tenants from the array TypeORM returns
  // (so no afterLoad, the application's included, sees them), filters the relations (plan `events`) or gives
  // the subscriber one pass for every event of the result (plan `walk`), and reports once. A result it filtered
  // whole in a graph where no `afterLoad` but the failsafe's could run (plan `quiet`, no other subscriber) is not
  // handed to TypeORM's walk, which would visit every entity to call nothing.
  // TypeORM's signature, `(result, metadata, entities)`, spelled out (see above)
  broadcaster['broadcastLoadEvent'] = function (this: BroadcasterInternals, result: unknown, loaded: unknown, entities: unknown) {
    dispatchSeen = true
    if (insideLoadBroadcast()) return broadcastLoadEvent.call(this, result, loaded, entities)
    const metadata = loaded as EntityMetadata
    const failsafe = runnerFailsafe(this.queryRunner)
    const plan = failsafe?.model.loadPlan(metadata)
    // a bypass strips nothing; no context (even one the store dropped while the query ran) fails closed here:
    // any scoped row, at the root or in a relation, makes the report throw TenantContextMissingError
    const pass = plan !== undefined && plan.mode !== 'inert' ? failsafe!.passIn(failsafe!.tenancy.store.get()) : undefined
    const previous = enterLoadBroadcast(pass)
    let returned: unknown
    let after = false
    let silent = false
    try {
      // inside a load checked as a whole (a lazy relation, a tree, strategy `query`), root rows are left to that
      // check, which knows the owner that loses them
      if (pass !== undefined && !insideCheckedLoad() && Array.isArray(entities) && entities.length > 0) {
        // Application code that listens to load events (an entity listener in the graph, another subscriber)
        // must see a filtered result: it is walked before TypeORM fires the events.
        const listened = plan!.listened || failsafe!.othersListenToLoads
        if (plan!.mode === 'events') {
          // The whole join-loaded result is filtered here, so TypeORM skips the subscriber (see its afterLoad).
          // When nothing else listens anywhere in the graph (plan `quiet`), TypeORM's walk would call nothing:
          // it is not run. With no other listener of the filtered graph but one elsewhere, the relations are
          // filtered once TypeORM's own walk has returned: it then goes through the arrays it built, not the
          // FilteredRelationArrays put in their place.
          if (listened || plan!.quiet) {
            keepInPlace(entities, pass.tree(metadata, entities))
            silent = !listened
          } else {
            keepInPlace(entities, pass.roots(metadata, entities, false))
            after = true
          }
          pass.walked = true
        } else {
          // plan `walk`: the subscriber filters each entity as TypeORM fires it; the result is walked when the query returns
          keepInPlace(entities, pass.roots(metadata, entities, listened))
          pass.walked = listened
        }
      }
      if (!silent) returned = broadcastLoadEvent.call(this, result, metadata, entities)
      if (after) pass!.below(metadata, entities as unknown[])
    } catch (error) {
      leaveLoadBroadcast(previous)
      if (pass !== undefined) failsafe!.reportAfterFailure(pass)
      throw error
    }
    leaveLoadBroadcast(previous)
    if (pass !== undefined) reportBroadcast(failsafe!, pass, result)
    return returned
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

/** The checked part of `executeEntitiesAndRawResults`: runs the load, then filters and walks the result, and reports. */
async function checkedLoad(
  qb: SelectInternals,
  execute: Method,
  queryRunner: unknown,
  failsafe: FailsafeRuntime,
  metadata: EntityMetadata,
  pass: StripPass,
  nestedLoads: boolean,
): Promise<EntitiesAndRaw> {
  const result = (await (nestedLoads ? asCheckedLoad(() => execute.call(qb, queryRunner)) : execute.call(qb, queryRunner))) as EntitiesAndRaw
  if (result.entities.length > 0) result.entities = pass.roots(metadata, result.entities)
  failsafe.report(pass)
  return result
}

/**
 * Reports the pass of a load broadcast. When the report throws (`onLeak: 'throw'`, or no context) and
 * `afterLoad` listeners returned promises, the error goes first among the promises TypeORM awaits next, so the
 * query rejects with it and none of theirs is left unhandled.
 */
function reportBroadcast(failsafe: FailsafeRuntime, pass: StripPass, result: unknown): void {
  try {
    failsafe.report(pass)
  } catch (error) {
    const promises = (result as { promises?: unknown } | null)?.promises
    if (!Array.isArray(promises) || promises.length === 0) throw error
    promises.unshift(Promise.reject(error))
  }
}

/** The DataSource a query runner belongs to. */
function runnerDataSource(queryRunner: unknown): object | undefined {
  if (typeof queryRunner !== 'object' || queryRunner === null) return undefined
  const runner = queryRunner as { readonly connection?: object; readonly dataSource?: object }
  return runner.dataSource ?? runner.connection
}

/** The failsafe of the DataSource a query runner belongs to. */
function runnerFailsafe(queryRunner: unknown): FailsafeRuntime | undefined {
  return failsafeOf(runnerDataSource(queryRunner))
}

/** Makes `array` hold `kept` (a filtered copy of it), in place: TypeORM returns this very array. */
function keepInPlace(array: unknown[], kept: readonly unknown[]): void {
  if (kept === array) return
  array.length = 0
  for (let i = 0; i < kept.length; i++) array.push(kept[i])
}

let dispatchSeen = false

/**
 * Called after {@link patchFailsafe}. Checks that TypeORM's `Broadcaster.broadcast('Load', ...)` still dispatches
 * to `broadcastLoadEvent`, which the failsafe wraps: with no subscriber and no relation, the probe runs no listener
 * and touches nothing.
 */
export function assertLoadDispatch(): void {
  dispatchSeen = false
  const probe = { dataSource: { subscribers: [] }, connection: { subscribers: [] } }
  const metadata = { relations: [], afterLoadListeners: [], target: class Probe {} }
  const broadcaster = new Broadcaster(probe as never) as unknown as { broadcast(event: string, ...args: unknown[]): Promise<void> }
  void broadcaster.broadcast('Load', metadata, []).catch(() => undefined)
  if (!dispatchSeen) throw TypeormIncompatibleError.forShape(typeormVersion(), "Broadcaster.broadcast('Load') no longer calls broadcastLoadEvent (the failsafe wraps it)")
}
