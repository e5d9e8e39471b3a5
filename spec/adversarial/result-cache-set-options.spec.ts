import { expect } from 'chai'
import type { QueryResultCache } from 'typeorm/cache/QueryResultCache'
import { runWithTenant, runWithoutTenant } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { A, AdvTicket, adversarialEntities, B, seedAdversarial } from './adversarial-model'

/**
 * Regression: `dataSource.setOptions({ cache })` (0.3 and 1.x) replaces `dataSource.queryResultCache` after
 * installTenancy. The new cache must be kept per tenant too, or `cache: { id }` would serve B's rows to A.
 * (Found by the adversarial review; fixed by turning `queryResultCache` into a scoping accessor.)
 */
describeEachDialect('adversarial: a result cache configured with setOptions() after installTenancy', { entities: adversarialEntities }, (db) => {
  before(async () => {
    await seedAdversarial(db().dataSource)
    const ds = db().dataSource
    ds.setOptions({ cache: { type: 'database', tableName: 'adv_query_cache', duration: 60_000 } } as never)
    const runner = ds.createQueryRunner()
    try {
      await (ds.queryResultCache as QueryResultCache).synchronize(runner)
    } finally {
      await runner.release()
    }
  })

  it('B caches its tickets under an id; A asking with the same id gets only its own tickets', async () => {
    const asB = await runWithTenant(B, () => db().dataSource.getRepository(AdvTicket).find({ cache: { id: 'open-tickets', milliseconds: 60_000 } }))
    expect(asB.map((t) => t.orgId)).to.deep.equal([B, B])

    db().logger.clear()
    const asA = await runWithTenant(A, () => db().dataSource.getRepository(AdvTicket).find({ cache: { id: 'open-tickets', milliseconds: 60_000 } }))
    expect(asA.map((t) => t.orgId), db().logger.statements.map((q) => `${q.sql} ${JSON.stringify(q.parameters)}`).join('\n')).to.deep.equal([A, A])
  })

  it('an id that looks like another tenant\'s key cannot reach it', async () => {
    await runWithTenant(B, () => db().dataSource.getRepository(AdvTicket).find({ cache: { id: 'x', milliseconds: 60_000 } }))
    const asA = await runWithTenant(A, () => db().dataSource.getRepository(AdvTicket).find({ cache: { id: `x@tenant:${B}`, milliseconds: 60_000 } }))
    expect(asA.map((t) => t.orgId)).to.deep.equal([A, A])
    const asTenantWithSuffix = await runWithTenant(`${A}`, () =>
      db().dataSource.getRepository(AdvTicket).find({ cache: { id: 'x', milliseconds: 60_000 } }),
    )
    expect(asTenantWithSuffix.map((t) => t.orgId)).to.deep.equal([A, A])
  })

  it('B still has rows (plain query), so the assertions above could fail', async () => {
    const rows = (await runWithoutTenant(() => db().dataSource.getRepository(AdvTicket).find())).map((t) => t.orgId)
    expect(rows).to.include(B)
  })
})
