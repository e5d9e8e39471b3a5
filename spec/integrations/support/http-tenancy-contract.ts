import { expect } from 'chai'
import { runWithoutTenant } from '../../../lib'
import { expectTenantTerm } from '../../fixtures/sql-assertions'
import { describeEachDialect, type OpenOptions, type TestDataSource } from '../../support/test-database'
import { call, type RunningApp } from './http-server'
import { IntegrationTicket, integrationEntities, ORG_A, ORG_B, seedIntegration } from './integration-model'
import { ticketHandlers, type TicketHandlers } from './ticket-handlers'

/**
 * Starts a framework's test app serving `handlers`:
 * GET /tickets[?barrier=n], POST /tickets (JSON), GET /public/news, GET /public/tickets;
 * tenancy({ resolveTenant: tenantFromHeaders, skip: path starts with /public, onMissingTenant }).
 */
export type StartApp = (handlers: TicketHandlers, db: TestDataSource) => Promise<RunningApp>

/** The behaviour every framework integration must have, through a real server and real PostgreSQL. */
export function describeHttpTenancy(framework: string, start: StartApp, open: Partial<OpenOptions> = {}, more?: (db: () => TestDataSource) => void): void {
  describeEachDialect(`${framework} integration`, { entities: integrationEntities, ...open }, (db) => {
    let app: RunningApp

    before(async () => {
      await seedIntegration(db().dataSource)
      app = await start(ticketHandlers(db().dataSource), db())
    })
    after(async () => {
      await app?.close()
    })

    it('serves each request as its tenant, through a timer and parallel queries, and filters the SQL', async () => {
      const all = await runWithoutTenant(() => db().dataSource.getRepository(IntegrationTicket).find())
      expect(all.map((t) => t.organizationId)).to.include.members([ORG_A, ORG_B])

      db().logger.clear()
      const { status, body } = await call(app, '/tickets', { headers: { 'x-org': String(ORG_A) } })
      expect(status).to.equal(200)
      expect(body.before).to.equal(ORG_A)
      expect(body.after).to.equal(ORG_A)
      expect(body.count).to.equal(2)
      expect(body.tickets.map((t: IntegrationTicket) => t.organizationId)).to.deep.equal([ORG_A, ORG_A])
      const sent = db().logger.last(/FROM "[^"]*"\."integration_ticket"/)
      expectTenantTerm(sent, ORG_A)
    })

    it('keeps interleaved requests of different tenants apart', async () => {
      const requests = [ORG_A, ORG_B, ORG_A, ORG_B].map((org) => call(app, '/tickets?barrier=4', { headers: { 'x-org': String(org) } }))
      const responses = await Promise.all(requests)
      const expected = [ORG_A, ORG_B, ORG_A, ORG_B]
      responses.forEach(({ status, body }, i) => {
        const org = expected[i]
        expect(status).to.equal(200)
        expect(body.after).to.equal(org)
        expect(body.tickets.length).to.equal(org === ORG_A ? 2 : 1)
        expect(body.tickets.every((t: IntegrationTicket) => t.organizationId === org)).to.equal(true)
      })
    })

    it('keeps the tenant through a parsed JSON body and stamps the write', async () => {
      const { status, body } = await call(app, '/tickets', { method: 'POST', headers: { 'x-org': String(ORG_B) }, body: { title: 'B: new' } })
      expect(status).to.be.oneOf([200, 201])
      expect(body.tenant).to.equal(ORG_B)
      const row = await runWithoutTenant(() => db().dataSource.getRepository(IntegrationTicket).findOneByOrFail({ id: body.id }))
      expect(row.organizationId).to.equal(ORG_B)
      await runWithoutTenant(() => db().dataSource.getRepository(IntegrationTicket).delete({ id: body.id }))
    })

    it('answers a request with no tenant with the configured response, and sends no SQL', async () => {
      db().logger.clear()
      const { status, body } = await call(app, '/tickets')
      expect(status).to.equal(401)
      expect(body).to.deep.equal({ error: 'TENANT_REQUIRED' })
      expect(db().logger.statements).to.have.length(0)
    })

    for (const [label, headers] of [
      ['an empty string', { 'x-org-raw': '' }],
      ['a blank string', { 'x-org-raw': '  ' }],
      ['NaN', { 'x-org': 'not-a-number' }],
    ] as const) {
      it(`refuses a resolver that returns ${label}, never "no filter"`, async () => {
        db().logger.clear()
        const { status, body } = await call(app, '/tickets', { headers })
        expect(status).to.equal(403)
        expect(body).to.deep.equal({ error: 'INVALID_TENANT' })
        expect(db().logger.statements).to.have.length(0)
      })
    }

    it('lets a skipped (public) route through with no tenant: unscoped reads work', async () => {
      const { status, body } = await call(app, '/public/news')
      expect(status).to.equal(200)
      expect(body).to.deep.equal({ tenant: null, news: ['v2 released'] })
    })

    it('a skipped route still fails closed on a scoped query, and sends no SQL for it', async () => {
      db().logger.clear()
      const { status, body } = await call(app, '/public/tickets', { headers: { 'x-org': String(ORG_A) } })
      expect(status).to.equal(200)
      expect(body).to.deep.equal({ refused: 'TENANT_CONTEXT_MISSING' })
      expect(db().logger.statements.filter((q) => /integration_ticket/.test(q.sql))).to.have.length(0)
    })

    more?.(db)
  })
}
