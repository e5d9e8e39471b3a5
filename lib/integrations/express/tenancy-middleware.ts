import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { runWithTenant } from '../../context/run-with-tenant'
import { assertRequestTenancyOptions, resolveRequestTenant, type RequestTenancyOptions } from '../request-tenant'

/** Options of the Express {@link tenancy} middleware; the resolver gets Express's `req`. */
export type ExpressTenancyOptions<Req extends Request = Request> = RequestTenancyOptions<Req>

/**
 * Express middleware (4.x and 5.x) that runs the rest of the request as its tenant: every later
 * middleware, the handler, and all the async work they start (awaits, timers, `Promise.all`).
 * A request with no tenant gets the `onMissingTenant` response (401 JSON by default), or goes on with
 * no tenant when `optional`/`skip` say so; its scoped queries then fail closed.
 *
 * Mount it after the authentication middleware that sets what the resolver reads.
 *
 * ```ts
 * import { tenancy } from 'typeorm-tenancy/express'
 *
 * app.use(express.json(), authenticate, tenancy({ resolveTenant: (req) => req.user?.organizationId }))
 * app.get('/tickets', async (req, res) => res.json(await tickets.find()))
 * // SELECT ... FROM "support_ticket" "SupportTicket" WHERE "SupportTicket"."organizationId" = $1  -- [42]
 * ```
 */
export function tenancy<Req extends Request = Request>(options: ExpressTenancyOptions<Req>): RequestHandler {
  assertRequestTenancyOptions(options, 'typeorm-tenancy/express')
  return (req: Request, res: Response, next: NextFunction): void => {
    resolveRequestTenant(options, req as Req).then((outcome) => {
      if (outcome.kind === 'tenant') runWithTenant(outcome.tenantId, () => next())
      else if (outcome.kind === 'pass') next()
      else res.status(outcome.response.status).json(outcome.response.body)
    }, next)
  }
}
