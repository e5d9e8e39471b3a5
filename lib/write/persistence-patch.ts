import { SubjectExecutor } from 'typeorm/persistence/SubjectExecutor'
import { CrossTenantWriteError } from '../errors'
import { runtimeOf } from '../install/runtime-registry'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import type { ScopedEntity } from '../metadata/scoped-entity'
import type { TenantId } from '../tenant-id'
import type { SubjectExecutorInternals, SubjectInternals } from './write-builder-internals'
import { checkUpdateValues, stampInsertValues, writeTenant } from './write-tenant'
import { checkBatchReferences } from './batch-references'
import { withVerifiedBatch } from './owned-rows'

type Method = (this: SubjectExecutorInternals, ...args: unknown[]) => Promise<unknown>

/**
 * Wraps `SubjectExecutor.execute`, where `save`, `remove`, `softRemove` and `recover` (and their cascades)
 * run, so the whole batch is checked before its first write is sent, whatever the transaction and
 * listener options:
 *
 * - a new row is stamped on the caller's entity object (so `ticket.organizationId` shows the tenant), and
 *   refused when it names another tenant, or names a generated primary key the tenant has no row for (an
 *   entity loaded under another tenant: the filtered snapshot found nothing and TypeORM would insert a copy);
 * - an update that changes the tenant column, and any write of a shared (NULL-tenant) row, is refused;
 * - the foreign keys the batch writes to scoped entities are checked, one query after the other, before the
 *   batch's first statement (see {@link checkBatchReferences}).
 */
export function patchPersistence(): void {
  const proto = SubjectExecutor.prototype as unknown as Record<string, Method>
  const execute = proto['execute']!
  proto['execute'] = async function (this: SubjectExecutorInternals, ...args: unknown[]) {
    const queryRunner = this.queryRunner
    const runtime = runtimeOf(queryRunner.dataSource ?? queryRunner.connection)
    if (runtime === undefined) return execute.apply(this, args)
    for (const subject of this.allSubjects) checkSubject(runtime, subject)
    const verified = await checkBatchReferences(runtime, this)
    return withVerifiedBatch(queryRunner, verified, () => execute.apply(this, args))
  }
}

function checkSubject(runtime: TenancyRuntime, subject: SubjectInternals): void {
  const scope = runtime.entityScopeOf(subject.metadata)
  if (scope === undefined) return
  const tenantId = writeTenant(runtime, scope)
  if (tenantId === undefined) return
  if (subject.mustBeInserted) {
    if (subject.entity === undefined) return
    if (namesGeneratedKey(subject)) throw CrossTenantWriteError.rowNotFound(scope.name)
    stampInsertValues(scope, subject.entity, tenantId)
    return
  }
  const writes = subject.mustBeUpdated || subject.mustBeRemoved || subject.mustBeSoftRemoved || subject.mustBeRecovered
  if (!writes) return
  assertNotShared(scope, subject)
  if (subject.mustBeUpdated && subject.entity !== undefined && changesTenant(scope, subject)) {
    checkUpdateValues(scope, subject.entity, tenantId as TenantId)
  }
}

/**
 * An insert that carries a value for a database-numbered primary key (serial, identity, rowid): the row it
 * names was not found for this tenant. UUID keys are left alone: apps legitimately assign them to new rows.
 */
function namesGeneratedKey(subject: SubjectInternals): boolean {
  const entity = subject.entity!
  const generated = subject.metadata.primaryColumns.filter((c) => c.isGenerated && c.generationStrategy !== 'uuid')
  return generated.length > 0 && generated.every((c) => {
    const value: unknown = c.getEntityValue(entity)
    return value !== undefined && value !== null
  })
}

function assertNotShared(scope: ScopedEntity, subject: SubjectInternals): void {
  if (!scope.shared || subject.databaseEntity === undefined) return
  const value: unknown = scope.column.getEntityValue(subject.databaseEntity)
  if (value === null || value === undefined) throw CrossTenantWriteError.sharedRow(scope.name, scope.column.propertyPath)
}

function changesTenant(scope: ScopedEntity, subject: SubjectInternals): boolean {
  return subject.diffColumns.some((c) => c.databaseName === scope.column.databaseName)
}
