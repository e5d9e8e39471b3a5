import Fastify, { type FastifyInstance } from 'fastify'
import type { Server } from 'node:http'
import { tenancy } from '../../lib/integrations/fastify'
import { listenOnLoopback } from './support/http-server'
import { describeHttpTenancy } from './support/http-tenancy-contract'
import { onMissingTenant, tenantFromHeaders, type TicketHandlers } from './support/ticket-handlers'

async function fastifyApp(handlers: TicketHandlers): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(tenancy({ resolveTenant: (request) => tenantFromHeaders(request.headers), skip: (request) => request.url.startsWith('/public'), onMissingTenant }))
  // Registered in a child plugin: the tenancy hooks must still cover it.
  await app.register(async (child) => {
    child.get<{ Querystring: { barrier?: string } }>('/tickets', (request) => handlers.list(request.query.barrier ? Number(request.query.barrier) : undefined))
    child.post('/tickets', (request) => handlers.create(request.body))
  })
  app.get('/public/news', () => handlers.publicNews())
  app.get('/public/tickets', () => handlers.publicTickets())
  await app.ready()
  return app
}

describeHttpTenancy('Fastify', async (handlers) => {
  const app = await fastifyApp(handlers)
  const running = await listenOnLoopback(app.server as Server)
  return { url: running.url, close: () => app.close() }
})
