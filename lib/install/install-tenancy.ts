import type { DataSource } from 'typeorm'
import { tenantScope } from '../context/tenant-context'
import { resolveStore, type TenantStoreOption } from '../context/store-registry'
import { TenancyConfigurationError, TypeormIncompatibleError } from '../errors'
import { scopeResultCache } from '../cache/scoped-result-cache'
import { guardLazyRelationCaches } from '../query/lazy-relation-cache'
import { patchJoinPaths } from '../query/join-path-intern'
import { patchQueryBuilders } from '../query/query-builder-patch'
import { markViewDefinitions } from '../query/view-definition'
import { keepDriverCallbacksOutOfRequests } from '../context/driver-callback-context'
import { patchWriteBuilders } from '../write/patch-write-builders'
import { probeWriteGuard } from '../write/probe-write-guard'
import { attachFailsafeSubscriber, installFailsafe } from '../failsafe/install-failsafe'
import type { OnLeakPolicy, TenancyLogger } from '../failsafe/failsafe-options'
import { TENANT_PARAMETER } from '../query/tenant-predicate'
import type { ScopedEntity } from '../metadata/scoped-entity'
import { registerRuntime, runtimeOf } from './runtime-registry'
import { TenancyRuntime } from './tenancy-runtime'
import { assertTypeormShape } from './typeorm-shape'
import { typeormVersion } from './typeorm-version'

/** Options of {@link installTenancy}. */
export interface TenancyOptions {
  /**
   * Where the tenant context lives.
   * - `'async-local-storage'` (default): Node's `AsyncLocalStorage`. Fastest, and fails closed on shared
   *   emitters fired outside a request.
   * - `'cls-hooked'`: a `cls-hooked` namespace named `typeorm-tenancy`, for apps that already use
   *   cls-hooked. Slower; see `createClsHookedStore` to share your own namespace.
   * - a {@link TenantStore}: your own implementation.
   */
  store?: TenantStoreOption
  /**
   * The failsafe: an `EntitySubscriber` and result hooks that remove rows of other tenants from loaded
   * results and relations, report them, and refuse writes that would touch the rows they removed.
   * - `true` (default): on.
   * - `false`: off (no subscriber, no result check; the query filter alone protects reads).
   */
  failsafe?: boolean
  /**
   * What the failsafe does with a row of another tenant found in a loaded result.
   * - `'strip'` (default): remove it, log a warning, count it, return the rest.
   * - `'throw'`: log and count it, then throw `CrossTenantRowError` (for tests and strict deployments).
   */
  onLeak?: OnLeakPolicy
  /**
   * Where the failsafe's warnings go: any object with `warn(obj, msg)`, such as a pino or bunyan logger.
   * Each stripped row is one `warn(event, message)` call, `event` being a `LeakEvent`.
   * - omitted (default): `console.warn`.
   */
  logger?: TenancyLogger
  /**
   * **For tests only. Never set it in production.** `true` stops the query filter from adding the tenant
   * condition on this DataSource, so the failsafe is the only protection of loaded rows; the failsafe's own
   * suite uses it to prove that it strips every row the filter would have excluded. Queries are still
   * refused before any SQL when no tenant is in context and no `runWithoutTenant` is active (fail closed),
   * and a table named by a string that TypeORM cannot map is still refused.
   * - `false` / omitted (default): the query filter is on.
   * - `true`: the query filter adds no condition (test mode).
   *
   * ```ts
   * installTenancy(dataSource, { unsafeDisableQueryFilter: true }) // tests of the failsafe only
   * // runWithTenant(1, () => repo.find()) sends SELECT ... FROM "ticket" "Ticket"  (no tenant condition)
   * ```
   */
  unsafeDisableQueryFilter?: boolean
}

/**
 * Protects a DataSource: from now on every query builder of it (find, relations, loaders, trees, the
 * QueryBuilder itself) carries the tenant condition for each `@TenantScoped` entity it touches, and any
 * such query with no tenant in context fails closed.
 *
 * Call it once per DataSource, before or after `initialize()`. The `@TenantScoped` columns are checked
 * when the metadata is built; a wrong column name makes `initialize()` (or this call, if already
 * initialized) throw {@link TenancyConfigurationError}.
 *
 * ```ts
 * const dataSource = new DataSource({ type: 'postgres', entities: [SupportTicket] })
 * installTenancy(dataSource)
 * await dataSource.initialize()
 * ```
 */
export function installTenancy(dataSource: DataSource, options: TenancyOptions = {}): void {
  if (typeof options !== 'object' || options === null) throw TenancyConfigurationError.invalidOption('options', options, 'an object or nothing')
  const store = resolveStore(options.store)
  const existing = runtimeOf(dataSource)
  if (existing) {
    if (existing.store !== store) {
      throw TenancyConfigurationError.invalidOption('store', store.name, `the store of the first installTenancy() call on this DataSource (${existing.store.name})`)
    }
    return
  }
  assertTypeormShape(dataSource)
  patchQueryBuilders()
  patchJoinPaths()
  patchWriteBuilders()
  if ('queryFilter' in options) throw TenancyConfigurationError.renamedOption('queryFilter', 'unsafeDisableQueryFilter')
  if (options.unsafeDisableQueryFilter !== undefined && typeof options.unsafeDisableQueryFilter !== 'boolean') {
    throw TenancyConfigurationError.invalidOption('unsafeDisableQueryFilter', options.unsafeDisableQueryFilter, 'true (tests only), false or nothing')
  }
  const runtime = new TenancyRuntime(dataSource, store, options.unsafeDisableQueryFilter !== true)
  registerRuntime(dataSource, runtime)
  installFailsafe(runtime, options)
  scopeResultCache(dataSource, store)

  if (dataSource.isInitialized) {
    verify(runtime)
  } else {
    const internals = dataSource as unknown as { buildMetadatas?: () => Promise<void> }
    const buildMetadatas = internals.buildMetadatas
    if (typeof buildMetadatas !== 'function') {
      throw TypeormIncompatibleError.forShape(typeormVersion(), 'DataSource.buildMetadatas is missing')
    }
    internals.buildMetadatas = async function (this: DataSource) {
      await buildMetadatas.call(this)
      verify(runtime)
    }
  }
}

/**
 * Resolves every entity's scope, then proves on the first scoped entity that the condition really
 * appears in the SQL TypeORM builds, for the main table and for a join.
 */
function verify(runtime: TenancyRuntime): void {
  markViewDefinitions(runtime.dataSource.entityMetadatas)
  const scoped = runtime.validate()
  guardLazyRelationCaches(runtime)
  const probe = scoped[0]
  if (probe && runtime.queryFilter) probeFilter(runtime, probe)
  if (probe) probeWriteGuard(runtime, probe)
  attachFailsafeSubscriber(runtime.dataSource)
  keepDriverCallbacksOutOfRequests(runtime.dataSource)
}

function probeFilter(runtime: TenancyRuntime, scope: ScopedEntity): void {
  const probeTenant = scope.numeric ? 0 : scope.uuid ? '00000000-0000-0000-0000-000000000000' : 'probe'
  const sql = runtime.store.run(tenantScope(probeTenant), () =>
    runtime.dataSource
      .createQueryBuilder(scope.metadata.target, 'tenancy_probe')
      .leftJoin(scope.metadata.target, 'tenancy_probe_join', '1=1')
      .getQuery(),
  )
  const expected = `:${TENANT_PARAMETER}`
  const first = sql.indexOf(expected)
  if (first === -1 || sql.indexOf(expected, first + 1) === -1) {
    throw TypeormIncompatibleError.forShape(typeormVersion(), `the tenant condition did not appear in the SQL built for ${scope.name}: ${sql}`)
  }
}
