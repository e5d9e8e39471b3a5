import type { SeededAgent } from './seed'

/** One HTTP exchange of the demo. */
interface Exchange {
  readonly status: number
  readonly body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of the sample's own API
}

/**
 * The scripted walk through the API: each step prints the request line, the status and a short body,
 * then checks what isolation promises. Returns the number of failed expectations (0 = all held).
 */
export async function runDemo(baseUrl: string, agents: readonly SeededAgent[], print: (line: string) => void = console.log): Promise<number> {
  const [acme, bolt] = agents
  if (!acme || !bolt) throw new Error('the demo needs the two seeded organizations')
  let failed = 0
  let passed = 0

  const expect = (ok: boolean, what: string): void => {
    if (ok) passed++
    else failed++
    print(`    ${ok ? '✓' : '✗ FAILED:'} ${what}`)
  }

  const call = async (agent: SeededAgent | undefined, method: string, path: string, body?: unknown): Promise<Exchange> => {
    const who = agent ? `as ${agent.email} (${agent.organization})` : 'without a token'
    print(`  ${method} ${path}${body === undefined ? '' : ` ${JSON.stringify(body)}`}  ${who}`)
    const headers: Record<string, string> = {}
    if (agent) headers['authorization'] = `Bearer ${agent.token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(baseUrl + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    const text = await response.text()
    const parsed: unknown = text === '' ? undefined : JSON.parse(text)
    print(`    ← ${response.status} ${short(text)}`)
    return { status: response.status, body: parsed }
  }

  const step = (title: string): void => print(`\n${title}`)
  const owners = (rows: unknown): number[] => (Array.isArray(rows) ? rows.map((row: { organizationId: number }) => row.organizationId) : [])
  const ids = (rows: unknown): number[] => (Array.isArray(rows) ? rows.map((row: { id: number }) => row.id) : [])

  step('1. No token, no data (login_required)')
  const anonymous = await call(undefined, 'GET', '/tickets')
  expect(anonymous.status === 401, 'a request without a token gets 401')

  step('2. The tenant comes from the logged-in user (current_user)')
  const me = await call(acme, 'GET', '/me')
  expect(me.status === 200 && me.body?.organizationId === acme.organizationId, `${acme.email} works for ${acme.organization} (organization ${acme.organizationId})`)

  step('3. Each organization lists only its own tickets')
  const boltList = await call(bolt, 'GET', '/tickets')
  const acmeList = await call(acme, 'GET', '/tickets')
  const boltIds = ids(boltList.body)
  expect(boltList.status === 200 && boltIds.length > 0 && owners(boltList.body).every((o) => o === bolt.organizationId), `${bolt.organization} has tickets, all of them its own`)
  expect(acmeList.status === 200 && ids(acmeList.body).length > 0 && owners(acmeList.body).every((o) => o === acme.organizationId), `${acme.organization} sees only its own tickets`)
  expect(!ids(acmeList.body).some((id) => boltIds.includes(id)), `none of ${bolt.organization}'s tickets (${boltIds.map((id) => `#${id}`).join(', ')}) is in ${acme.organization}'s list`)

  const boltTicket = boltIds[0] ?? 0
  step(`4. ${bolt.organization}'s ticket #${boltTicket} does not exist for ${acme.organization}`)
  const ownRead = await call(bolt, 'GET', `/tickets/${boltTicket}`)
  expect(ownRead.status === 200, `${bolt.organization} reads its ticket #${boltTicket}`)
  const foreignRead = await call(acme, 'GET', `/tickets/${boltTicket}`)
  expect(foreignRead.status === 404, `${acme.organization} reading it by id gets 404`)
  const foreignPatch = await call(acme, 'PATCH', `/tickets/${boltTicket}`, { status: 'closed' })
  expect(foreignPatch.status === 404, `${acme.organization} updating it gets 404`)
  const foreignDelete = await call(acme, 'DELETE', `/tickets/${boltTicket}`)
  expect(foreignDelete.status === 404, `${acme.organization} deleting it gets 404`)
  const after = await call(bolt, 'GET', `/tickets/${boltTicket}`)
  expect(after.status === 200 && after.body?.status === ownRead.body?.status, `the ticket is still there, unchanged (status "${String(after.body?.status)}")`)

  step('5. New tickets belong to the creator\'s organization; a forged organizationId is refused')
  const created = await call(acme, 'POST', '/tickets', { title: 'Screen flickers', orderNumber: 1003 })
  expect(created.status === 201 && created.body?.organizationId === acme.organizationId, `the new ticket is ${acme.organization}'s (organizationId ${String(created.body?.organizationId)})`)
  const forged = await call(acme, 'POST', '/tickets', { title: 'Planted ticket', orderNumber: 6666, organizationId: bolt.organizationId })
  expect(forged.status === 403 && forged.body?.error === 'CROSS_TENANT_WRITE', `a body naming ${bolt.organization}'s organizationId is refused with 403 CROSS_TENANT_WRITE`)
  const createdId: number | undefined = created.body?.id
  const acmeTicket = ids(acmeList.body)[0] ?? 0
  const moved = await call(acme, 'PATCH', `/tickets/${acmeTicket}`, { organizationId: bolt.organizationId })
  expect(moved.status === 403 && moved.body?.error === 'CROSS_TENANT_WRITE', `moving ${acme.organization}'s ticket #${acmeTicket} to ${bolt.organization} is refused with 403`)
  const boltAfter = await call(bolt, 'GET', '/tickets')
  expect(boltAfter.status === 200 && ids(boltAfter.body).length === boltIds.length, `${bolt.organization} still has exactly its ${boltIds.length} tickets`)

  step('6. The newsfeed is shared')
  const acmeNews = await call(acme, 'GET', '/newsfeed')
  const boltNews = await call(bolt, 'GET', '/newsfeed')
  expect(acmeNews.status === 200 && ids(acmeNews.body).length > 0, 'there is news')
  expect(JSON.stringify(acmeNews.body) === JSON.stringify(boltNews.body), 'both organizations read the same items')

  step('7. A central customer shows each merchant only its own addresses')
  const customers = await call(acme, 'GET', '/customers')
  const customerId = ids(customers.body)[0] ?? 0
  const boltView = await call(bolt, 'GET', `/customers/${customerId}`)
  const acmeView = await call(acme, 'GET', `/customers/${customerId}`)
  const merchants = (view: Exchange): number[] => (Array.isArray(view.body?.addresses) ? view.body.addresses.map((a: { merchantId: number }) => a.merchantId) : [])
  expect(boltView.status === 200 && merchants(boltView).length > 0 && merchants(boltView).every((m) => m === bolt.organizationId), `${bolt.organization} sees its own address(es) of the customer`)
  expect(acmeView.status === 200 && merchants(acmeView).length > 0 && merchants(acmeView).every((m) => m === acme.organizationId), `${acme.organization} sees only its own address(es) of the same customer`)

  if (createdId !== undefined) {
    step('8. Clean up')
    const removed = await call(acme, 'DELETE', `/tickets/${createdId}`)
    expect(removed.status === 204, `${acme.organization} deletes its ticket #${createdId}`)
  }

  print(`\n${failed === 0 ? '✓' : '✗'} ${passed} of ${passed + failed} expectations held${failed === 0 ? '' : `; ${failed} FAILED`}`)
  return failed
}

/** A body on one line, cut to a readable length. */
function short(text: string): string {
  const line = text.replace(/\s+/g, ' ')
  return line.length > 150 ? `${line.slice(0, 147)}...` : line
}
