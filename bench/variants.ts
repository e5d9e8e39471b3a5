import { DataSource, type EntityManager } from 'typeorm'
import { allowUnprotectedDataSource, installTenancy, runWithTenant } from '../lib'
import { rlsUrl } from './dataset'
import { benchEntities } from './model'

/**
 * The variants of the issue, plus two that explain its numbers:
 * - `tenancy-als-no-failsafe`: the query filter alone (`failsafe: false`), which tells the filter's cost from
 *   the failsafe's;
 * - `handwritten-parent-only`: on the workloads that join a scoped relation with find options
 *   (`find-relation-50`), the hand-written filter on the parent alone, `where: { organizationId }`, which
 *   find options allow (they cannot put a condition in a join's ON). It lets another tenant's comments through
 *   a ticket's relation, so it is not the baseline; beside it, the plugin's ratio shows what PostgreSQL charges
 *   for the join guard every correct filter needs;
 * - `handwritten-twin`: the hand-written code again, on a DataSource and pool of its own (an A/A control). It
 *   does exactly what `handwritten` does, so its ratio to it is what this run's noise and the variants' separate
 *   connections do to two identical variants: a plugin ratio inside that spread cannot be told from 1.00.
 */
export type VariantName = 'no-filter' | 'handwritten' | 'handwritten-twin' | 'handwritten-parent-only' | 'tenancy-als' | 'tenancy-als-no-failsafe' | 'tenancy-cls-hooked' | 'rls'

export const VARIANT_ORDER: readonly VariantName[] = [
  'no-filter',
  'handwritten',
  'handwritten-twin',
  'handwritten-parent-only',
  'tenancy-als',
  'tenancy-als-no-failsafe',
  'tenancy-cls-hooked',
  'rls',
]

/**
 * How a variant gets the tenant into a query:
 * - `none`: it does not (wrong, the floor);
 * - `hand`: the workload writes `organizationId` into its where and join conditions;
 * - `hand-parent`: the workload writes `organizationId` into its where only (see `handwritten-parent-only`);
 * - `auto`: the workload writes nothing; the plugin or PostgreSQL's policy adds it.
 */
export type FilterKind = 'none' | 'hand' | 'hand-parent' | 'auto'

/** The filter kind of each variant (see {@link FilterKind}). */
export function filterOf(name: VariantName): FilterKind {
  switch (name) {
    case 'no-filter':
      return 'none'
    case 'handwritten':
    case 'handwritten-twin':
      return 'hand'
    case 'handwritten-parent-only':
      return 'hand-parent'
    default:
      return 'auto'
  }
}

export interface Variant {
  readonly name: VariantName
  readonly filter: FilterKind
  readonly dataSource: DataSource
  /** One request as tenant `organization`: the way an app on this variant would wrap it. */
  request<T>(organization: number, fn: (manager: EntityManager) => Promise<T>): Promise<T>
}

/** Pool size per DataSource: 8 concurrent clients plus one spare. */
export const POOL_SIZE = 9

function open(url: string, schema: string): DataSource {
  return new DataSource({ type: 'postgres', url, schema, entities: benchEntities, poolSize: POOL_SIZE, logging: false })
}

/** Opens one variant on the dataset in `schema`. Each variant has its own DataSource and pool. */
export async function openVariant(name: VariantName, url: string, schema: string): Promise<Variant> {
  switch (name) {
    case 'no-filter':
    case 'handwritten':
    case 'handwritten-twin':
    case 'handwritten-parent-only': {
      // Plain TypeORM: no installTenancy. The plugin refuses such a DataSource on scoped entities unless told
      // it is deliberate; the prototype wrappers still run (one WeakMap lookup), as in any app that loads it.
      const dataSource = open(url, schema)
      allowUnprotectedDataSource(dataSource)
      await dataSource.initialize()
      const manager = dataSource.manager
      return { name, filter: filterOf(name), dataSource, request: (_organization, fn) => fn(manager) }
    }
    case 'tenancy-als':
    case 'tenancy-als-no-failsafe':
    case 'tenancy-cls-hooked': {
      const dataSource = open(url, schema)
      installTenancy(dataSource, { store: name === 'tenancy-cls-hooked' ? 'cls-hooked' : 'async-local-storage', failsafe: name !== 'tenancy-als-no-failsafe' })
      await dataSource.initialize()
      const manager = dataSource.manager
      return { name, filter: filterOf(name), dataSource, request: (organization, fn) => runWithTenant(organization, () => fn(manager)) }
    }
    case 'rls': {
      // How RLS plugins for ORMs work: a transaction per request, the tenant set for that transaction only.
      // Not installTenancy: PostgreSQL's policy is the filter here.
      const dataSource = open(rlsUrl(url), schema)
      allowUnprotectedDataSource(dataSource)
      await dataSource.initialize()
      return {
        name,
        filter: filterOf(name),
        dataSource,
        request: (organization, fn) =>
          dataSource.transaction(async (manager) => {
            await manager.query(`SELECT set_config('app.tenant_id', $1, true)`, [String(organization)])
            return fn(manager)
          }),
      }
    }
  }
}
