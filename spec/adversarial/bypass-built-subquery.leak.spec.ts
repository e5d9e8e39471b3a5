import { expect } from 'chai'
import { runWithTenant, runWithoutTenant, TenancyError } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { A, AdvTicket, adversarialEntities, B, seedAdversarial } from './adversarial-model'

/**
 * FINDING (low): the filter is added when SQL is built. SQL text built under runWithoutTenant (for example
 * a subquery fragment prepared once by an admin/bootstrap job, `qb.getQuery()` memoised in a module) carries
 * no tenant condition, and nothing stops it from being pasted into a query that later runs as a tenant: the
 * pasted part then reads every tenant's rows. (The opposite direction is safe: SQL built under a tenant
 * refers to :__tenancy_tenant, which resolves to whoever executes it.)
 * Root cause: lib/query/query-builder-patch.ts createWhereExpression/createJoinExpression add nothing under
 * a bypass. Proposed fix: under a bypass, add a marker term bound at execution, e.g.
 * `:__tenancy_bypass = 1`, and supply `__tenancy_bypass` from getParameters() only when the executing context
 * is a bypass; pasted into a tenant's query the placeholder stays unbound and the statement fails
 * (fail closed), or the plugin refuses it with a TenancyError.
 */
describeEachDialect('adversarial: SQL text built under runWithoutTenant, reused under a tenant', { entities: adversarialEntities }, (db) => {
  before(function () {
    // written and verified against PostgreSQL (the brief's target); other dialects spell SQL and ids differently
    if (db().dialect.name !== 'postgres') this.skip() // postgresOnly
  })

  let bIds: number[]
  before(async () => {
    bIds = (await seedAdversarial(db().dataSource)).b.map((t) => t.id)
  })

  it('B has tickets', async () => {
    const all = await runWithoutTenant(() => db().dataSource.getRepository(AdvTicket).find())
    expect(all.map((t) => t.orgId)).to.include(B)
  })

  it('a memoised bypass subquery pasted into a tenant query does not count or return B\'s tickets', async () => {
    // built once, e.g. at start-up inside an admin job
    const everyTicketId = runWithoutTenant(() => db().dataSource.createQueryBuilder(AdvTicket, 's').select('s.id').getQuery())

    let rows: Array<{ id: number }> | undefined
    try {
      rows = await runWithTenant(A, () =>
        db().dataSource.createQueryBuilder().select('x.s_id', 'id').from(`(${everyTicketId})`, 'x').getRawMany<{ id: number }>(),
      )
    } catch (error) {
      expect(error instanceof TenancyError || /syntax error|__tenancy/i.test(String(error)), String(error)).to.equal(true)
      return
    }
    expect(rows.map((r) => Number(r.id)), db().logger.last(/adv_ticket/).sql).to.not.include.members(bIds)
  })
})
