import type { EntitySubscriberInterface, LoadEvent } from 'typeorm'
import type { FailsafeRuntime } from '../failsafe/failsafe-runtime'

/**
 * The failsafe's `EntitySubscriber`, registered by `installTenancy` on each DataSource (first in
 * `dataSource.subscribers`, so your own subscribers' `afterLoad` see filtered relations). It listens to every
 * entity.
 *
 * `afterLoad` fires children first, then their parent with its relations filled (strategy `join`): so each
 * call filters the entity's own relations one level deep, and a collection of a scoped entity becomes a
 * `FilteredRelationArray`. What `afterLoad` cannot see (the entity itself, relations strategy `query` fills
 * after the event, lazy relations, tree children, loads with `listeners: false`) is handled where TypeORM
 * returns the result (see `patchFailsafe`). Under `runWithoutTenant` it does nothing.
 */
export class TenancyFailsafeSubscriber implements EntitySubscriberInterface {
  constructor(private readonly failsafe: FailsafeRuntime) {}

  afterLoad(entity: unknown, event?: LoadEvent<unknown>): void {
    if (typeof entity !== 'object' || entity === null) return
    const metadata = event?.metadata
    if (metadata === undefined) return
    const context = this.failsafe.tenancy.store.get()
    // no context: the result-level check fails closed when the query returns
    if (context === undefined || context.kind !== 'tenant') return
    if (this.failsafe.model.plan(metadata).length === 0) return
    const pass = this.failsafe.passFor(context.tenantId)
    pass.shallow(entity, metadata)
    this.failsafe.report(pass)
  }
}
