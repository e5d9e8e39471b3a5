import { createServer } from 'node:http'
import { expect } from 'chai'
import express, { type Request, type Response } from 'express'
import { tenancy } from '../../lib/integrations/express'
import { describeEachDialect } from '../support/test-database'
import { call, listenOnLoopback } from './support/http-server'
import { describeHttpTenancy } from './support/http-tenancy-contract'
import { integrationEntities, ORG_A, seedIntegration } from './support/integration-model'
import { onMissingTenant, tenantFromHeaders, ticketHandlers, type TicketHandlers } from './support/ticket-handlers'

function expressApp(handlers: TicketHandlers, options: Partial<Parameters<typeof tenancy>[0]> = {}) {
  const app = express()
  app.use(express.json())
  app.use(tenancy({ resolveTenant: (req) => tenantFromHeaders(req.headers), skip: (req) => req.path.startsWith('/public'), onMissingTenant, ...options }))
  const send = (fn: (req: Request) => Promise<object>) => async (req: Request, res: Response) => res.json(await fn(req))
  app.get('/tickets', send((req) => handlers.list(req.query['barrier'] ? Number(req.query['barrier']) : undefined)))
  app.post('/tickets', send((req) => handlers.create(req.body)))
  app.get('/public/news', send(() => handlers.publicNews()))
  app.get('/public/tickets', send(() => handlers.publicTickets()))
  return app
}

describeHttpTenancy('Express', async (handlers) => listenOnLoopback(createServer(expressApp(handlers))))

describeEachDialect('Express integration options', { entities: integrationEntities }, (db) => {
  before(async () => {
    await seedIntegration(db().dataSource)
  })

  it('answers 401 with a JSON body by default', async () => {
    const app = await listenOnLoopback(createServer(expressApp(ticketHandlers(db().dataSource), { onMissingTenant: undefined })))
    try {
      const { status, body } = await call(app, '/tickets')
      expect(status).to.equal(401)
      expect(body.error).to.equal('TENANT_REQUIRED')
      expect((await call(app, '/tickets', { headers: { 'x-org-raw': '' } })).body.error).to.equal('INVALID_TENANT')
    } finally {
      await app.close()
    }
  })

  it('optional: true lets a request without a tenant through, failing closed on scoped queries', async () => {
    const app = await listenOnLoopback(createServer(expressApp(ticketHandlers(db().dataSource), { optional: true, skip: () => false })))
    try {
      db().logger.clear()
      expect((await call(app, '/public/news')).body.news).to.deep.equal(['v2 released'])
      expect((await call(app, '/public/tickets')).body).to.deep.equal({ refused: 'TENANT_CONTEXT_MISSING' })
      expect(db().logger.statements.filter((q) => /integration_ticket/.test(q.sql))).to.have.length(0)
      // With a tenant, the same route filters; an invalid one is still refused.
      expect((await call(app, '/tickets', { headers: { 'x-org': String(ORG_A) } })).body.count).to.equal(2)
      expect((await call(app, '/tickets', { headers: { 'x-org': 'nope' } })).status).to.equal(403)
    } finally {
      await app.close()
    }
  })

  it('passes a throwing resolver to the error handler (500), with no SQL', async () => {
    const app = await listenOnLoopback(createServer(expressApp(ticketHandlers(db().dataSource), { resolveTenant: () => { throw new Error('auth backend down') } })))
    try {
      db().logger.clear()
      expect((await fetch(app.url + '/tickets')).status).to.equal(500)
      expect(db().logger.statements).to.have.length(0)
    } finally {
      await app.close()
    }
  })

  it('refuses options without a resolver at start-up', () => {
    expect(() => tenancy({} as never)).to.throw(/resolveTenant/)
  })
})
