import { expect } from 'chai'
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm'
import { runWithTenant, runWithoutTenant, TenantScoped } from '../../lib'
import { A, B, SupportTicket, supportDeskEntities } from '../fixtures/support-desk-model'
import { boundValue, boundValueOf } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'

/** Help articles: each tenant's own, plus NULL-tenant articles every tenant reads. */
@Entity()
@TenantScoped('organizationId', { shared: 'null' })
class HelpArticle {
  @PrimaryGeneratedColumn() id!: number
  @Column({ type: 'int', nullable: true }) organizationId!: number | null
  @Column() title!: string
}

describeEachDialect("shared rows (@TenantScoped(column, { shared: 'null' }))", { entities: [...supportDeskEntities, HelpArticle] }, (db) => {
  const ds = () => db().dataSource
  before(async () => {
    await runWithoutTenant(() => ds().manager.insert(SupportTicket, { organizationId: B, title: 'a B ticket' }))
    await runWithoutTenant(() =>
      ds().manager.insert(HelpArticle, [
        { organizationId: null, title: 'shared' },
        { organizationId: A, title: 'only A' },
        { organizationId: B, title: 'only B' },
      ]),
    )
  })

  it('NULL rows are visible to every tenant, the other tenant\'s rows to none', async () => {
    expect(await runWithoutTenant(() => ds().getRepository(HelpArticle).count())).to.equal(3)
    const a = await runWithTenant(A, () => ds().getRepository(HelpArticle).find({ order: { id: 'ASC' } }))
    expect(a.map((x) => x.title)).to.deep.equal(['shared', 'only A'])
    const sent = db().logger.last(/"help_article"/)
    const where = new RegExp(String.raw`WHERE \("HelpArticle"\."organizationId" = ${boundValue(sent)} OR "HelpArticle"\."organizationId" IS NULL\)`).exec(sent.sql)
    expect(where, sent.sql).to.not.equal(null)
    expect(boundValueOf(sent, where![1], where![2])).to.equal(String(A))
    expect(sent.parameters).to.deep.equal(sent.inlinesNumbers ? [] : [A])
    const b = await runWithTenant(B, () => ds().getRepository(HelpArticle).find({ where: [{ title: 'only A' }, { title: 'shared' }] }))
    expect(b.map((x) => x.title)).to.deep.equal(['shared'])
  })

  it('in a join, the shared condition is parenthesised inside ON', async () => {
    const rows = await runWithTenant(B, () =>
      ds().createQueryBuilder(SupportTicket, 't').leftJoin(HelpArticle, 'h', 'h.id > 0 OR h.id < 0').select('h.title', 'title').getRawMany<{ title: string }>(),
    )
    expect([...new Set(rows.map((r) => r.title))].sort()).to.deep.equal(['only B', 'shared'])
    const sent = db().logger.last(/"help_article"/)
    const on = new RegExp(String.raw`ON \((?:h\.id|"h"\."id") > 0 OR (?:h\.id|"h"\."id") < 0\) AND \("h"\."organizationId" = ${boundValue(sent)} OR "h"\."organizationId" IS NULL\)`).exec(sent.sql)
    expect(on, sent.sql).to.not.equal(null)
    expect(boundValueOf(sent, on![1], on![2])).to.equal(String(B))
  })
})
