import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { DataSource } from 'typeorm'
import { CrossTenantWriteError, TenancyError, runWithTenant } from 'typeorm-tenancy'
import { customerRoutes } from '../routes/customers'
import { meRoutes } from '../routes/me'
import { newsfeedRoutes } from '../routes/newsfeed'
import { ticketRoutes } from '../routes/tickets'
import { authenticate } from './authenticate'
import { HttpError } from './http-error'
import { sendJson } from './json'
import { Router } from './router'

/**
 * The sample's HTTP server on `node:http` (no framework, so the sample has no dependency beyond TypeORM
 * and the plugin). Every route needs a logged-in user; the user's organization becomes the tenant for
 * the whole request with `runWithTenant`, so every query, await and callback of the handler runs as it.
 */
export function createApp(dataSource: DataSource): Server {
  const router = new Router()
  ticketRoutes(router, dataSource)
  newsfeedRoutes(router, dataSource)
  customerRoutes(router, dataSource)
  meRoutes(router, dataSource)

  return createServer((req, res) => {
    handle(dataSource, router, req, res).catch((error: unknown) => sendError(res, error))
  })
}

async function handle(dataSource: DataSource, router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  const route = router.match(req.method ?? 'GET', path)
  if (!route) throw HttpError.notFound(`${req.method} ${path}`)
  const user = await authenticate(dataSource, req)
  if (!user) throw HttpError.unauthorized()
  const result = await runWithTenant(user.organizationId, () => route.handler({ user, params: route.params, req }))
  sendJson(res, result.status, result.body)
}

/** Maps failures to statuses: a cross-tenant write is a 403 with the plugin's error code. */
function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  if (error instanceof HttpError) {
    sendJson(res, error.status, { error: error.code, message: error.message })
  } else if (error instanceof CrossTenantWriteError) {
    sendJson(res, 403, { error: error.code, message: error.message })
  } else if (error instanceof TenancyError) {
    console.error(error)
    sendJson(res, 500, { error: error.code, message: error.message })
  } else {
    console.error(error)
    sendJson(res, 500, { error: 'INTERNAL', message: 'internal error (see the server log)' })
  }
}
