import { expect } from 'chai'
import { runWithTenant, runWithoutTenant, TenantContextMissingError } from '../../lib'
import { A, B, NewsfeedItem, SupportTicket, supportDeskEntities } from '../fixtures/support-desk-model'
import { seedSupportDesk } from '../fixtures/seed-support-desk'
import { expectTenantTerm } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'

describeEachDialect('Repository reads', { entities: supportDeskEntities }, (db) => {
  before(async () => {
    await seedSupportDesk(db().dataSource)
  })

  it('find() returns only the current tenant, after showing the other tenant has rows', async () => {
    const all = await runWithoutTenant(() => db().dataSource.getRepository(SupportTicket).find())
    expect(all.map((t) => t.organizationId)).to.include(B)

    const rows = await runWithTenant(A, () => db().dataSource.getRepository(SupportTicket).find())
    expect(rows).to.have.length(2)
    expect(rows.every((t) => t.organizationId === A)).to.equal(true)
    const sent = db().logger.last(/FROM "[^"]*"."support_ticket" "SupportTicket"/)
    expectTenantTerm(sent, A, 'organizationId', 'SupportTicket')
    if (process.env.DEBUG_SQL) console.log(db().logger.statements.map((q) => q.sql + " " + JSON.stringify(q.parameters)).join("\n"))
  })

  it('fails closed with no tenant, and sends no SQL', async () => {
    db().logger.clear()
    let error: unknown
    try {
      await db().dataSource.getRepository(SupportTicket).find()
    } catch (e) {
      error = e
    }
    expect(error).to.be.instanceOf(TenantContextMissingError)
    expect((error as TenantContextMissingError).entity).to.equal('SupportTicket')
    expect(db().logger.statements).to.have.length(0)
  })

  it('leaves unscoped entities alone', async () => {
    const items = await db().dataSource.getRepository(NewsfeedItem).find()
    expect(items).to.have.length(2)
    expect(db().logger.last(/newsfeed_item/).sql).not.to.include('organizationId')
  })
})
