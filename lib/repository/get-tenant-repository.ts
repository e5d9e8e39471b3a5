import type { DataSource, EntityTarget, ObjectLiteral, Repository, TreeRepository } from 'typeorm'
import { TenancyNotInstalledError } from '../errors'
import { runtimeOf } from '../install/runtime-registry'

/**
 * The tenant-aware repository factory: a repository of `target` on a DataSource protected by
 * {@link installTenancy}. Every query it sends carries the current tenant's condition; with no tenant in
 * context it throws {@link TenantContextMissingError} and sends nothing.
 *
 * It refuses a DataSource without tenancy, so a forgotten `installTenancy` cannot go unnoticed.
 *
 * ```ts
 * await runWithTenant(42, async () => {
 *   const tickets = getTenantRepository(dataSource, SupportTicket)
 *   await tickets.findBy({ status: 'open' })
 *   // SELECT ... FROM "support_ticket" "SupportTicket"
 *   // WHERE ( (("SupportTicket"."status" = $1)) ) AND ( "SupportTicket"."organizationId" = $2 )
 * })
 * ```
 */
export function getTenantRepository<Entity extends ObjectLiteral>(dataSource: DataSource, target: EntityTarget<Entity>): Repository<Entity> {
  assertInstalled(dataSource, 'getTenantRepository()')
  return dataSource.getRepository(target)
}

/** {@link getTenantRepository} for `@Tree` entities (closure table or materialized path). */
export function getTenantTreeRepository<Entity extends ObjectLiteral>(dataSource: DataSource, target: EntityTarget<Entity>): TreeRepository<Entity> {
  assertInstalled(dataSource, 'getTenantTreeRepository()')
  return dataSource.getTreeRepository(target)
}

/** True when {@link installTenancy} protects this DataSource. */
export function isTenancyInstalled(dataSource: DataSource): boolean {
  return runtimeOf(dataSource) !== undefined
}

function assertInstalled(dataSource: DataSource, what: string): void {
  if (runtimeOf(dataSource) === undefined) throw TenancyNotInstalledError.forDataSource(what)
}
