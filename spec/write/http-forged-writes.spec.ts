import { expect } from 'chai'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant, TenancyError } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { rawRows, tenantSnapshot } from './write-helpers'
import { A, B, WriteComment, WriteTicket, writeEntities } from './write-model'

describeEachDialect('Writes: forged tenants through an HTTP handler (the attacker\'s view)', { entities: writeEntities }, (db) => {
  let server: Server
  let base: string
  let own: WriteTicket
  let foreign: WriteTicket
  let bTickets: string
  let bComments: string

  /**
   * A small JSON API the way apps write it: the tenant comes from the session (here a header the test
   * trusts), the body straight from the client, and TypeORM gets it unfiltered.
   */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {}
    const tenant = Number(req.headers['x-session-tenant'])
    const [, resource, rawId] = (req.url ?? '').split('/')
    const id = Number(rawId)
    const reply = (status: number, payload: unknown = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload))
    }
    try {
      await runWithTenant(tenant, async () => {
        const tickets = db().dataSource.getRepository(WriteTicket)
        if (resource === 'tickets' && req.method === 'POST') return reply(201, await tickets.save(tickets.create(body)))
        if (resource === 'tickets' && req.method === 'PATCH') {
          const found = await tickets.findOneBy({ id })
          if (!found) return reply(404)
          return reply(200, await tickets.save(tickets.merge(found, body)))
        }
        if (resource === 'tickets-naive' && req.method === 'PATCH') {
          const result = await tickets.update(id, body)
          return reply(result.affected ? 200 : 404)
        }
        if (resource === 'tickets-naive' && req.method === 'PUT') return reply(200, await tickets.save({ ...body, id }))
        if (resource === 'tickets' && req.method === 'DELETE') {
          const result = await tickets.delete(id)
          return reply(result.affected ? 204 : 404)
        }
        if (resource === 'comments' && req.method === 'POST') {
          const comments = db().dataSource.getRepository(WriteComment)
          return reply(201, await comments.save(comments.create(body)))
        }
        return reply(405)
      })
    } catch (error) {
      if (error instanceof CrossTenantWriteError) return reply(403, { code: error.code })
      if (error instanceof TenancyError) return reply(400, { code: error.code })
      reply(500, { message: String(error) })
    }
  }

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', 'x-session-tenant': String(A) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
  }

  before(async () => {
    await runWithoutTenant(async () => {
      own = await db().dataSource.getRepository(WriteTicket).save({ organizationId: A, title: 'A ticket' })
      foreign = await db().dataSource.getRepository(WriteTicket).save({ organizationId: B, title: 'B ticket', priority: 5 })
      await db().dataSource.getRepository(WriteComment).save({ organizationId: B, body: 'B comment', ticketId: foreign.id })
    })
    bTickets = await tenantSnapshot(db().dataSource, 'write_ticket', B)
    bComments = await tenantSnapshot(db().dataSource, 'write_comment', B)
    server = createServer((req, res) => void handle(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  afterEach(async () => {
    expect(await tenantSnapshot(db().dataSource, 'write_ticket', B)).to.equal(bTickets)
    expect(await tenantSnapshot(db().dataSource, 'write_comment', B)).to.equal(bComments)
    expect((await rawRows(db().dataSource, 'write_ticket')).filter((r) => r['title'] === 'pwned')).to.deep.equal([])
  })

  it('the other tenant has rows (precondition), and an honest create is stamped', async () => {
    expect(JSON.parse(bTickets)).to.have.length(1)
    const created = await call('POST', '/tickets', { title: 'honest' })
    expect(created.status).to.equal(201)
    expect(created.json['organizationId']).to.equal(A)
  })

  it('create with a forged organizationId: 403, nothing inserted', async () => {
    const response = await call('POST', '/tickets', { title: 'pwned', organizationId: B })
    expect(response).to.deep.equal({ status: 403, json: { code: 'CROSS_TENANT_WRITE' } })
  })

  it('create with a forged organizationId as a string: 403', async () => {
    expect((await call('POST', '/tickets', { title: 'pwned', organizationId: String(B) })).status).to.equal(403)
  })

  it('create that plants a foreign id: refused like a missing one', async () => {
    const foreignId = await call('POST', '/tickets', { id: foreign.id, title: 'pwned' })
    const missingId = await call('POST', '/tickets', { id: 987654, title: 'pwned' })
    expect(foreignId).to.deep.equal(missingId)
    expect(foreignId.status).to.equal(403)
  })

  it('update of an own ticket that moves it to another tenant: 403, unchanged', async () => {
    expect((await call('PATCH', `/tickets/${own.id}`, { title: 'pwned', organizationId: B })).status).to.equal(403)
    expect((await call('PATCH', `/tickets-naive/${own.id}`, { title: 'pwned', organizationId: B })).status).to.equal(403)
    const row = (await rawRows(db().dataSource, 'write_ticket')).find((r) => r['id'] === own.id)!
    expect([row['organizationId'], row['title']]).to.deep.equal([A, 'A ticket'])
  })

  it('update of a foreign id: the same 404 as a missing id, nothing changed', async () => {
    for (const path of ['/tickets', '/tickets-naive']) {
      const onForeign = await call('PATCH', `${path}/${foreign.id}`, { title: 'pwned', priority: 0 })
      const onMissing = await call('PATCH', `${path}/987654`, { title: 'pwned', priority: 0 })
      expect(onForeign).to.deep.equal(onMissing)
      expect(onForeign.status).to.equal(404)
    }
  })

  it('a naive save({ ...body, id }) of a foreign id answers like a missing id, nothing changed', async () => {
    const onForeign = await call('PUT', `/tickets-naive/${foreign.id}`, { title: 'pwned' })
    const onMissing = await call('PUT', `/tickets-naive/987654`, { title: 'pwned' })
    expect(onForeign).to.deep.equal(onMissing)
  })

  it('delete of a foreign id: the same 404 as a missing id, nothing deleted', async () => {
    const onForeign = await call('DELETE', `/tickets/${foreign.id}`)
    const onMissing = await call('DELETE', '/tickets/987654')
    expect(onForeign).to.deep.equal(onMissing)
    expect(onForeign.status).to.equal(404)
  })

  it('a comment planted on a foreign ticket: 403, nothing inserted', async () => {
    expect((await call('POST', '/comments', { body: 'pwned', ticketId: foreign.id })).status).to.equal(403)
    expect((await call('POST', '/comments', { body: 'pwned', ticket: { id: foreign.id } })).status).to.equal(403)
    expect((await rawRows(db().dataSource, 'write_comment')).filter((r) => r['body'] === 'pwned')).to.deep.equal([])
  })
})
