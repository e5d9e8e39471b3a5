import { expect } from 'chai'
import { setTimeout as sleep } from 'node:timers/promises'
import { runWithTenant, runWithoutTenant } from '../../lib'
import { resolveStore } from '../../lib/context/store-registry'
import { Tag, supportDeskEntities } from '../fixtures/support-desk-model'
import { describeEachDialect } from '../support/test-database'
import { storeName } from '../support/test-store'

const REQUESTS = 1000
const TENANTS = 20
/** Every 25th request also runs real queries (40 in all), keeping the pool small and the test fast. */
const QUERY_EVERY = 25

describeEachDialect(`1,000 concurrent interleaved requests (${storeName})`, { entities: supportDeskEntities }, (db) => {
  before(async () => {
    await runWithoutTenant(() =>
      db().dataSource.manager.insert(Tag, Array.from({ length: TENANTS }, (_, i) => ({ organizationId: i + 1, label: `tag of ${i + 1}` }))),
    )
  })

  it('never see each other\'s tenant, in context checks and in real query results', async function () {
    this.timeout(60_000)
    const store = resolveStore(storeName)
    const mismatches: string[] = []
    const request = (n: number) => {
      const tenant = (n % TENANTS) + 1
      return runWithTenant(tenant, async () => {
        for (let step = 0; step < 4; step++) {
          // interleave: different requests yield in different ways and orders
          if ((n + step) % 3 === 0) await sleep(n % 3)
          else if ((n + step) % 3 === 1) await new Promise((r) => setImmediate(r))
          else await Promise.resolve()
          const context = store.get()
          if (context?.kind !== 'tenant' || context.tenantId !== tenant) mismatches.push(`request ${n} (tenant ${tenant}) saw ${JSON.stringify(context)}`)
        }
        if (n % QUERY_EVERY === 0) {
          const tags = await db().dataSource.getRepository(Tag).find()
          if (tags.length !== 1 || tags[0]!.organizationId !== tenant) mismatches.push(`request ${n} (tenant ${tenant}) read ${JSON.stringify(tags)}`)
        }
      })
    }
    expect(await runWithoutTenant(() => db().dataSource.getRepository(Tag).count())).to.equal(TENANTS)
    await Promise.all(Array.from({ length: REQUESTS }, (_, n) => request(n)))
    expect(mismatches).to.deep.equal([])
    expect(store.get()).to.equal(undefined)
  })
})
