import type { DataSource } from 'typeorm'
import type { RelationMetadata } from 'typeorm/metadata/RelationMetadata'
import { CrossTenantRowError, TenantContextMissingError } from '../errors'
import type { TenantContext } from '../context/tenant-context'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import type { TenantId } from '../tenant-id'
import type { FailsafeSettings } from './failsafe-options'
import type { LeakEvent } from './leak-event'
import { StripModel } from './strip-model'
import { StripPass } from './strip-pass'

/** The failsafe's counters for one DataSource, as returned by `failsafeCounters()`. */
export interface FailsafeCounters {
  /** Rows of other tenants removed from loaded results since start-up (or the last reset). */
  readonly strippedRows: number
  /** The same, per entity name. */
  readonly strippedByEntity: Readonly<Record<string, number>>
  /** `save`/`remove`/`softRemove`/`recover` calls refused because they would touch rows the failsafe hid. */
  readonly refusedWrites: number
}

/**
 * The failsafe's state for one DataSource: its settings, its counters, and the entities it stripped rows from
 * (weakly held: an entity that is garbage-collected is forgotten). Nothing here depends on the tenant: the
 * tenant is read from the store for each pass and captured by the pass and its arrays.
 */
export class FailsafeRuntime {
  readonly model: StripModel
  private strippedRows = 0
  private byEntity = new Map<string, number>()
  private refusedWrites = 0
  /** Entities that lost rows, and through which relations. */
  private readonly strippedOwners = new WeakMap<object, Set<RelationMetadata>>()
  /** False until the first strip: lets the write guard skip its walk entirely. */
  private rememberedAny = false
  /** The subscriber `installTenancy` attached, once attached. */
  subscriber: object | undefined

  constructor(
    readonly tenancy: TenancyRuntime,
    readonly settings: FailsafeSettings,
  ) {
    this.model = new StripModel(tenancy.dataSource, (metadata) => tenancy.entityScopeOf(metadata))
  }

  get dataSource(): DataSource {
    return this.tenancy.dataSource
  }

  /**
   * A pass for the current context: `undefined` under `runWithoutTenant` (nothing is stripped).
   * With no context at all (possible only when the query filter is off, or for a path it cannot see), every
   * scoped row counts as foreign and `report` fails closed with `TenantContextMissingError` if there is one:
   * the rows were read, but none is handed back. Unscoped results pass.
   */
  passForContext(): StripPass | undefined {
    return this.passIn(this.tenancy.store.get())
  }

  /** The pass for a load run in `context` (read by the caller), as {@link passForContext}. */
  passIn(context: TenantContext | undefined): StripPass | undefined {
    if (context === undefined) return new StripPass(this.model, NO_TENANT, true)
    if (context.kind !== 'tenant') return undefined
    return new StripPass(this.model, context.tenantId)
  }

  /** A pass for an explicit tenant (the pure `stripCrossTenantRows`). */
  passFor(tenantId: TenantId): StripPass {
    return new StripPass(this.model, tenantId)
  }

  /**
   * True when another subscriber than the failsafe's has an `afterLoad` (the application listens to load
   * events, and TypeORM fires a child's before its parent's relations are filtered).
   */
  get othersListenToLoads(): boolean {
    const subscribers = this.dataSource.subscribers as ReadonlyArray<{ afterLoad?: unknown }>
    for (let i = 0; i < subscribers.length; i++) {
      const subscriber = subscribers[i]!
      if (subscriber !== this.subscriber && typeof subscriber.afterLoad === 'function') return true
    }
    return false
  }

  /**
   * True when the subscriber's `afterLoad` fires for every entity a query of this DataSource loads (it is in
   * `dataSource.subscribers`, and TypeORM calls it for every entity): see `StripModel.loadPlan`.
   */
  get subscribed(): boolean {
    const subscriber = this.subscriber
    if (subscriber === undefined) return false
    const subscribers = this.dataSource.subscribers as readonly object[]
    // installTenancy puts it first: one read in the common case
    return subscribers[0] === subscriber || subscribers.includes(subscriber)
  }

  /** Counts, remembers and logs what a pass removed; throws under `onLeak: 'throw'`. */
  report(pass: StripPass): void {
    pass.reported = true
    if (pass.clean) return
    if (pass.failClosed) {
      if (pass.events.length > 0) throw TenantContextMissingError.forEntity(pass.events[0]!.entity)
      return
    }
    for (const { owner, relation } of pass.stripped) {
      let relations = this.strippedOwners.get(owner)
      if (relations === undefined) this.strippedOwners.set(owner, (relations = new Set()))
      relations.add(relation)
      this.rememberedAny = true
    }
    const events = pass.events
    if (events.length === 0) return
    for (const event of events) {
      this.strippedRows++
      this.byEntity.set(event.entity, (this.byEntity.get(event.entity) ?? 0) + 1)
      this.settings.logger.warn(event, warningFor(event))
    }
    if (this.settings.onLeak === 'throw') throw CrossTenantRowError.forRow(events[0]!, events.length)
  }

  /**
   * Reports a pass whose query failed after its load events removed rows: they are logged and counted, but
   * the query's own error is the one thrown (not `CrossTenantRowError` under `onLeak: 'throw'`).
   */
  reportAfterFailure(pass: StripPass): void {
    try {
      this.report(pass)
    } catch {
      // the query's error wins; the rows were reported before the throw
    }
  }

  /** The relations the failsafe stripped from `entity`, if any. */
  strippedFrom(entity: object): ReadonlySet<RelationMetadata> | undefined {
    return this.rememberedAny ? this.strippedOwners.get(entity) : undefined
  }

  get hasStripped(): boolean {
    return this.rememberedAny
  }

  countRefusedWrite(): void {
    this.refusedWrites++
  }

  counters(): FailsafeCounters {
    return Object.freeze({
      strippedRows: this.strippedRows,
      strippedByEntity: Object.freeze(Object.fromEntries(this.byEntity)),
      refusedWrites: this.refusedWrites,
    })
  }

  resetCounters(): void {
    this.strippedRows = 0
    this.byEntity = new Map()
    this.refusedWrites = 0
  }
}

/** The tenant of a pass run with no context: equal to no tenant id, so every scoped row is foreign. */
const NO_TENANT = Symbol('no tenant') as unknown as TenantId

function warningFor(event: LeakEvent): string {
  const where = event.relation === null ? `returned by a query of ${event.path}` : `loaded through ${event.path}`
  return (
    `failsafe removed a row of another tenant: ${event.entity} ${JSON.stringify(event.primaryKey)} (tenant ${String(event.foundTenant)}) ` +
    `${where} while tenant ${String(event.expectedTenant)} was current; a query is missing the tenant filter, fix it`
  )
}

const runtimes = new WeakMap<object, FailsafeRuntime>()

export function registerFailsafe(dataSource: DataSource, runtime: FailsafeRuntime): void {
  runtimes.set(dataSource, runtime)
}

/** The failsafe of a DataSource, or `undefined` when tenancy is not installed or the failsafe is off. */
export function failsafeOf(dataSource: object | undefined): FailsafeRuntime | undefined {
  return dataSource === undefined ? undefined : runtimes.get(dataSource)
}
