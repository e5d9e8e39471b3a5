import { createServer } from 'node:http'
import Koa, { type Context } from 'koa'
import { tenancy } from '../../lib/integrations/koa'
import { listenOnLoopback } from './support/http-server'
import { describeHttpTenancy } from './support/http-tenancy-contract'
import { onMissingTenant, tenantFromHeaders, type TicketHandlers } from './support/ticket-handlers'

async function readJson(ctx: Context): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

function koaApp(handlers: TicketHandlers): Koa {
  const app = new Koa()
  app.use(tenancy({ resolveTenant: (ctx) => tenantFromHeaders(ctx.headers), skip: (ctx) => ctx.path.startsWith('/public'), onMissingTenant }))
  app.use(async (ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/tickets') ctx.body = await handlers.list(ctx.query['barrier'] ? Number(ctx.query['barrier']) : undefined)
    else if (ctx.method === 'POST' && ctx.path === '/tickets') ctx.body = await handlers.create(await readJson(ctx))
    else if (ctx.path === '/public/news') ctx.body = await handlers.publicNews()
    else if (ctx.path === '/public/tickets') ctx.body = await handlers.publicTickets()
  })
  return app
}

describeHttpTenancy('Koa', async (handlers) => listenOnLoopback(createServer(koaApp(handlers).callback())))
