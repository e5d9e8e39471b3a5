import type { EntitySubscriberInterface, LoadEvent } from 'typeorm'
import type { FailsafeRuntime } from '../failsafe/failsafe-runtime'
import { activeLoadPass } from '../failsafe/broadcast-pass'
import { readRelation } from '../failsafe/strip-pass'

/**
 * The failsafe's `EntitySubscriber`, registered by `installTenancy` on each DataSource (first in
 * `dataSource.subscribers`, so your own subscribers' `afterLoad` see filtered relations). It listens to every
 * entity.
 *
 * A query's join-loaded result, when TypeORM's load events can see all of it (load plan `events`: no lazy
 * relation and no entity inheritance in the graph), is filtered whole by the load broadcast, in one call (see
 * `patchFailsafe`). During that broadcast `afterLoad` reads `undefined`, so TypeORM does not call the
 * subscriber for each entity: that dispatch (an event object and a call per entity) cost more than the
 * filtering itself.
 *
 * Everywhere else TypeORM fires `afterLoad` for each entity, children first, then their parent with its
 * relations filled: each call filters the entity's own relations one level deep, and a collection of a
 * scoped entity becomes a `FilteredRelationArray`. What `afterLoad` cannot see (the entity itself, relations
 * strategy `query` fills after the event, lazy relations, tree children, loads with `listeners: false`) is
 * handled where TypeORM returns the result (see `patchFailsafe`). Under `runWithoutTenant` it does nothing.
 *
 * Cost: an entity with no loaded relation to a scoped entity (a leaf) costs a few property reads, no context
 * lookup and no allocation. Inside TypeORM's load broadcast the calls share the pass the broadcast wrapper set
 * for that query, reported once (see `patchFailsafe`); a call from anywhere else reports its own.
 */
export class TenancyFailsafeSubscriber implements EntitySubscriberInterface {
  constructor(private readonly failsafe: FailsafeRuntime) {}

  /** `undefined` while the load broadcast of a query that filtered its whole result runs (TypeORM then skips it). */
  get afterLoad(): ((entity: unknown, event?: LoadEvent<unknown>) => void) | undefined {
    return activeLoadPass()?.walked === true ? undefined : this.filterOne
  }

  private readonly filterOne = (entity: unknown, event?: LoadEvent<unknown>): void => {
    // inside the load broadcast of a query (TypeORM's own events): its pass, which the broadcast reports
    const active = activeLoadPass()
    if (active?.walked === true) return // the broadcast filtered the whole result before firing the events
    if (typeof entity !== 'object' || entity === null) return
    const declared = event?.metadata
    if (declared === undefined) return
    const model = this.failsafe.model
    const metadata = model.metadataOf(entity, declared)
    const plan = model.scopedPlan(metadata)
    let loaded = false
    for (let i = 0; i < plan.length && !loaded; i++) {
      const value: unknown = readRelation(plan[i]!.relation, entity)
      loaded = typeof value === 'object' && value !== null
    }
    if (!loaded) return
    if (active !== undefined) {
      active.shallow(entity, metadata, plan)
      return
    }
    const context = this.failsafe.tenancy.store.get()
    // no context: the result-level check fails closed when the query returns
    if (context === undefined || context.kind !== 'tenant') return
    const pass = this.failsafe.passFor(context.tenantId)
    pass.shallow(entity, metadata, plan)
    this.failsafe.report(pass)
  }
}
