import { tenantScope } from '../context/tenant-context'
import { CrossTenantWriteError, TypeormIncompatibleError } from '../errors'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import { typeormVersion } from '../install/typeorm-version'
import type { ScopedEntity } from '../metadata/scoped-entity'
import { TENANT_PARAMETER } from '../query/tenant-predicate'
import { sameTenant, type TenantId } from '../tenant-id'
import { upsertKeyedByTenant } from './upsert-rule'
import { builderDataSource, upsertDialect, type DriverInternals, type WriteBuilderInternals } from './write-builder-internals'

/**
 * Proves at install time, on the first scoped entity, that the write guard really runs where TypeORM builds an
 * INSERT: the SQL is built (never executed) three times under a probe tenant and must show that
 *
 * 1. an empty tenant column is stamped with the current tenant;
 * 2. a value naming another tenant is refused with {@link CrossTenantWriteError};
 * 3. an upsert's update branch carries the tenant condition (PostgreSQL, SQLite), or the upsert is refused
 *    where the dialect cannot carry one (MySQL, MariaDB) and it is not keyed by tenant.
 *
 * Throws {@link TypeormIncompatibleError} naming the TypeORM version when any of these does not hold (a
 * TypeORM release that moved the insert path out from under the wrapped methods).
 */
export function probeWriteGuard(runtime: TenancyRuntime, scope: ScopedEntity): void {
  const probeTenant: TenantId = scope.numeric ? 0 : scope.uuid ? '00000000-0000-0000-0000-000000000000' : 'probe'
  const otherTenant: TenantId = scope.numeric ? 1 : scope.uuid ? '00000000-0000-0000-0000-000000000001' : 'probe-other'
  const fail = (problem: string): never => {
    throw TypeormIncompatibleError.forShape(typeormVersion(), `the write guard ${problem} for ${scope.name}`)
  }
  const insert = () => runtime.dataSource.createQueryBuilder().insert().into(scope.metadata.target)

  runtime.store.run(tenantScope(probeTenant), () => {
    const stamped = {}
    insert().values(stamped).getQuery()
    if (!sameTenant(scope.column.getEntityValue(stamped), probeTenant)) fail('did not stamp the tenant column of an INSERT')

    const forged = {}
    scope.column.setEntityValue(forged, otherTenant)
    if (!refused(() => insert().values(forged).getQuery())) fail('did not refuse an INSERT naming another tenant')

    const conflict = scope.metadata.primaryColumns.map((c) => c.databaseName)
    const overwrite = scope.metadata.columns.find((c) => !c.isPrimary && c !== scope.column) ?? scope.column
    const upsert = insert().values({}).orUpdate([overwrite.databaseName], conflict)
    const driver = builderDataSource(upsert as unknown as WriteBuilderInternals)!.driver as unknown as DriverInternals
    const dialect = upsertDialect(driver)
    if (dialect === 'postgres' || dialect === 'sqlite') {
      const sql = upsert.getQuery()
      const update = sql.indexOf(' DO UPDATE ')
      if (update === -1 || sql.indexOf(`:${TENANT_PARAMETER}`, update) === -1) fail(`did not put the tenant condition on an upsert's DO UPDATE: ${sql}`)
    } else if (!upsertKeyedByTenant(scope, conflict, [{}]) && !refused(() => upsert.getQuery())) {
      fail('did not refuse an upsert that is not keyed by tenant')
    }
  })
}

function refused(build: () => unknown): boolean {
  try {
    build()
    return false
  } catch (error) {
    if (error instanceof CrossTenantWriteError) return true
    throw error
  }
}
