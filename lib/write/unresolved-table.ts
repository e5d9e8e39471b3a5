import { CrossTenantWriteError } from '../errors'
import { runtimeOf } from '../install/runtime-registry'
import { builderDataSource, type WriteBuilderInternals } from './write-builder-internals'
import { writeTenant } from './write-tenant'

/**
 * Refuses, before any SQL, an INSERT, UPDATE or DELETE whose target is a table-path string TypeORM did not map
 * back to an entity (`update('public.support_ticket')`, `insert().into('db.schema.support_ticket')`) when the
 * path names the table of a tenant-scoped entity or junction: without metadata the write guard cannot stamp,
 * filter or check it. Under `runWithoutTenant` the write is left alone; with no context it fails closed.
 *
 * ```ts
 * await runWithTenant(1, () => ds.createQueryBuilder().update('public.support_ticket').set({ title: 'x' }).execute())
 * // CrossTenantWriteError: ... names the table of "SupportTicket" by the path string "public.support_ticket" ...
 * await runWithTenant(1, () => ds.createQueryBuilder().update(SupportTicket).set({ title: 'x' }).execute())
 * // UPDATE "support_ticket" SET "title" = $1 WHERE "organizationId" = $2
 * ```
 */
export function assertWriteTargetResolved(qb: WriteBuilderInternals): void {
  const alias = qb.expressionMap.mainAlias as { hasMetadata: boolean; tablePath?: string } | undefined
  if (alias === undefined || alias.hasMetadata || typeof alias.tablePath !== 'string') return
  const runtime = runtimeOf(builderDataSource(qb))
  if (runtime === undefined) return
  // the shared lookup of scoped tables by table name (any schema or catalog qualifier matches: fail closed)
  const scope = runtime.scopeOfTableName(alias.tablePath)
  if (scope === undefined) return
  if (writeTenant(runtime, scope) === undefined) return
  throw CrossTenantWriteError.unresolvedTablePath(scope.name, alias.tablePath, scope.kind)
}
