import type { DataSource, EntityTarget } from 'typeorm'
import { TenancyNotInstalledError } from '../errors'
import { runtimeOf } from '../install/runtime-registry'
import { assertTenantId, type TenantId } from '../tenant-id'
import type { LeakEvent } from './leak-event'
import { StripModel } from './strip-model'
import { StripPass } from './strip-pass'

/** What {@link stripCrossTenantRows} kept and removed. */
export interface StripResult<T> {
  /** The root entities of `tenantId` (the input array itself when none was removed). */
  readonly entities: T[]
  /** One event per removed row, roots and relations alike. */
  readonly events: readonly LeakEvent[]
}

/**
 * The failsafe's strip pass over entities already loaded, as a plain function: no logging, no counters, no
 * `onLeak` policy, no memory of stripped entities, and the tenant is an argument rather than the context.
 * Rows of other tenants are removed from `entities` (in the returned array) and from every loaded relation
 * below them (in place); collections of scoped entities become `FilteredRelationArray`s of `tenantId`.
 *
 * Meant for measuring the failsafe and for checking data built outside TypeORM's loaders.
 *
 * ```ts
 * const customers = await runWithoutTenant(() => dataSource.getRepository(Customer).find({ relations: { addresses: true } }))
 * const { entities, events } = stripCrossTenantRows(dataSource, Customer, customers, 1)
 * // every customer.addresses now holds tenant 1's addresses only; events lists the others
 * ```
 */
export function stripCrossTenantRows<T>(dataSource: DataSource, target: EntityTarget<T>, entities: T[], tenantId: TenantId): StripResult<T> {
  assertTenantId(tenantId)
  const runtime = runtimeOf(dataSource)
  if (runtime === undefined) throw TenancyNotInstalledError.forDataSource('stripCrossTenantRows()')
  let model = models.get(dataSource)
  if (model === undefined) models.set(dataSource, (model = new StripModel(dataSource, (metadata) => runtime.entityScopeOf(metadata))))
  const pass = new StripPass(model, tenantId)
  const kept = pass.roots(dataSource.getMetadata(target), entities)
  return { entities: kept, events: pass.events }
}

const models = new WeakMap<DataSource, StripModel>()
