import { runWithTenant } from '../context/run-with-tenant'
import { TenancyConfigurationError } from '../errors'
import { assertTenantId, type TenantId } from '../tenant-id'

/** Options of {@link forEachTenant}. */
export interface ForEachTenantOptions {
  /** How many tenants run at the same time. Default 1: one tenant after the other, in list order. */
  concurrency?: number
  /** `false`: resolve with the report even when some tenants failed. Default `true`: reject with {@link ForEachTenantError}. */
  rejectOnFailure?: boolean
}

/** What happened for one tenant. */
export type TenantJobResult<R> =
  | { readonly tenantId: TenantId; readonly ok: true; readonly value: R }
  | { readonly tenantId: TenantId; readonly ok: false; readonly error: unknown }

/** What {@link forEachTenant} did, tenant by tenant, in list order. */
export interface TenantJobReport<R> {
  readonly results: ReadonlyArray<TenantJobResult<R>>
  readonly succeeded: readonly TenantId[]
  readonly failed: ReadonlyArray<{ readonly tenantId: TenantId; readonly error: unknown }>
}

/**
 * Some tenants' jobs failed (the others ran to the end). `errors` holds each failure's error;
 * `report` says which tenant each belongs to and what the others returned.
 */
export class ForEachTenantError<R = unknown> extends AggregateError {
  override readonly name = 'ForEachTenantError'

  constructor(readonly report: TenantJobReport<R>) {
    super(
      report.failed.map((f) => f.error),
      `The job failed for ${report.failed.length} of ${report.results.length} tenants: ` +
        report.failed.map((f) => `${String(f.tenantId)} (${f.error instanceof Error ? f.error.message : String(f.error)})`).join('; ') +
        `. The other tenants' jobs ran to the end; see error.report.`,
    )
  }
}

/**
 * Runs `job` once per tenant, each inside its own `runWithTenant`, one tenant at a time by default.
 * A failing tenant does not stop the others: every error is collected with its tenant id and reported
 * at the end ({@link ForEachTenantError}, or the report with `rejectOnFailure: false`).
 *
 * `listTenants` gives the tenant ids (or pass them as an array). Reading your tenants table needs no
 * tenant when that table is not scoped; if it is, read it under `runWithoutTenant`. Every id is checked
 * before any job starts: one empty or `NaN` id throws {@link InvalidTenantIdError} and nothing runs.
 *
 * ```ts
 * import { forEachTenant } from 'typeorm-tenancy/jobs'
 *
 * const report = await forEachTenant(
 *   () => runWithoutTenant(() => organizations.find()).then((orgs) => orgs.map((o) => o.id)),
 *   async (organizationId) => tickets.count({ where: { status: 'open' } }),
 * )
 * // per tenant: SELECT COUNT(1) AS "cnt" FROM "support_ticket" "SupportTicket" WHERE ( (("SupportTicket"."status" = $1)) ) AND ( "SupportTicket"."organizationId" = $2 )  -- ['open', 1], then ['open', 2]
 * ```
 */
export async function forEachTenant<R>(
  listTenants: (() => Iterable<TenantId> | Promise<Iterable<TenantId>>) | Iterable<TenantId>,
  job: (tenantId: TenantId) => R | Promise<R>,
  options: ForEachTenantOptions = {},
): Promise<TenantJobReport<R>> {
  const concurrency = options.concurrency ?? 1
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TenancyConfigurationError(`forEachTenant() option "concurrency" is ${String(concurrency)}; expected a whole number of at least 1 (1 runs one tenant at a time).`, undefined)
  }
  if (typeof job !== 'function') throw new TenancyConfigurationError('forEachTenant() needs a job: (tenantId) => ..., run once per tenant.', undefined)
  const tenantIds = [...(typeof listTenants === 'function' ? await listTenants() : listTenants)]
  for (const id of tenantIds) assertTenantId(id)

  const results: Array<TenantJobResult<R> | undefined> = new Array(tenantIds.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tenantIds.length) {
      const index = next++
      const tenantId = tenantIds[index]!
      try {
        const value = await runWithTenant(tenantId, async () => job(tenantId))
        results[index] = { tenantId, ok: true, value }
      } catch (error) {
        results[index] = { tenantId, ok: false, error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, tenantIds.length) }, worker))

  const done = results as Array<TenantJobResult<R>>
  const report: TenantJobReport<R> = {
    results: done,
    succeeded: done.filter((r) => r.ok).map((r) => r.tenantId),
    failed: done.flatMap((r) => (r.ok ? [] : [{ tenantId: r.tenantId, error: r.error }])),
  }
  if (report.failed.length > 0 && options.rejectOnFailure !== false) throw new ForEachTenantError(report)
  return report
}
