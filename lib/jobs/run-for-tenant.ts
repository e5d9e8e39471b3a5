import { runWithTenant } from '../context/run-with-tenant'
import type { TenantId } from '../tenant-id'

/**
 * Runs a background job (a queue consumer, a cron task, a script) as one tenant: the job and all the work
 * it awaits see only that tenant's rows. Throws {@link InvalidTenantIdError} for a non-id, before the job
 * starts. The job gets the tenant id.
 *
 * ```ts
 * import { runForTenant } from 'typeorm-tenancy/jobs'
 *
 * queue.process('close-stale-tickets', (message) =>
 *   runForTenant(message.organizationId, () => tickets.update({ status: 'stale' }, { status: 'closed' })))
 * // UPDATE "support_ticket" SET "status" = $1 WHERE ( "status" = $2 ) AND ( "organizationId" = $3 )  -- ['closed', 'stale', 42]
 * ```
 */
export function runForTenant<R>(tenantId: TenantId, job: (tenantId: TenantId) => R | Promise<R>): Promise<R> {
  return runWithTenant(tenantId, async () => job(tenantId))
}
