import type { Context, Middleware, Next } from 'koa'
import { runWithTenant } from '../../context/run-with-tenant'
import { assertRequestTenancyOptions, resolveRequestTenant, type RequestTenancyOptions } from '../request-tenant'

/** Options of the Koa {@link tenancy} middleware; the resolver gets Koa's `ctx`. */
export type KoaTenancyOptions<Ctx extends Context = Context> = RequestTenancyOptions<Ctx>

/**
 * Koa middleware (2.x and 3.x) that runs every downstream middleware and the work it awaits as the
 * request's tenant. A request with no tenant gets the `onMissingTenant` response (401 JSON by default),
 * or goes on with no tenant when `optional`/`skip` say so; its scoped queries then fail closed.
 *
 * ```ts
 * import { tenancy } from 'typeorm-tenancy/koa'
 *
 * app.use(authenticate)
 * app.use(tenancy({ resolveTenant: (ctx) => ctx.state.user?.organizationId }))
 * app.use(async (ctx) => { ctx.body = await tickets.find() })
 * // SELECT ... FROM "support_ticket" "SupportTicket" WHERE "SupportTicket"."organizationId" = $1  -- [42]
 * ```
 */
export function tenancy<Ctx extends Context = Context>(options: KoaTenancyOptions<Ctx>): Middleware {
  assertRequestTenancyOptions(options, 'typeorm-tenancy/koa')
  return async (ctx: Context, next: Next): Promise<void> => {
    const outcome = await resolveRequestTenant(options, ctx as Ctx)
    if (outcome.kind === 'tenant') return runWithTenant(outcome.tenantId, () => next())
    if (outcome.kind === 'pass') return next()
    ctx.status = outcome.response.status
    ctx.body = outcome.response.body
  }
}
