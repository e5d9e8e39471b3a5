import { expect } from 'chai'
import { runWithTenant, runWithoutTenant, TenantContextMissingError } from '../../lib'
import { A, B, SupportTicket, TicketComment, supportDeskEntities } from '../fixtures/support-desk-model'
import { seedSupportDesk, type SeededDesk } from '../fixtures/seed-support-desk'
import { caught, collect, queryAccessPaths } from '../fixtures/query-access-paths'
import { boundValue, expectJoinTenant, expectTenantTerm, expectWhereTenant } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'

describeEachDialect('QueryBuilder from every access path', { entities: supportDeskEntities }, (db) => {
  let desk: SeededDesk
  const ds = () => db().dataSource
  const asA = <R>(fn: () => Promise<R>): Promise<R> => runWithTenant(A, fn)
  const asAdmin = <R>(fn: () => Promise<R>): Promise<R> => runWithoutTenant(fn)
  const mainQuery = () => db().logger.last(/FROM "[^"]*"\."support_ticket" "t"/)

  before(async () => {
    desk = await seedSupportDesk(ds())
  })

  for (const path of queryAccessPaths) {
    describe(path.name, () => {
      const on = <R>(fn: (qb: import('typeorm').SelectQueryBuilder<SupportTicket>) => Promise<R>) => path.with(ds(), SupportTicket, 't', fn)

      it('getMany / getOne', async () => {
        expect((await asAdmin(() => on((qb) => qb.getMany()))).filter((t) => t.organizationId === B)).to.have.length(2)
        const rows = await asA(() => on((qb) => qb.orderBy('t.id').getMany()))
        expect(rows.map((t) => t.organizationId)).to.deep.equal([A, A])
        expectWhereTenant(mainQuery(), 't', A)
        expect(await asA(() => on((qb) => qb.where('t.id = :id', { id: desk.ticketsB[0]!.id }).getOne()))).to.equal(null)
        expectWhereTenant(mainQuery(), 't', A)
      })

      it('getRawMany / getRawOne', async () => {
        const raw = await asA(() => on((qb) => qb.select('t.organizationId', 'org').getRawMany<{ org: number }>()))
        expect(raw.map((r) => r.org)).to.deep.equal([A, A])
        expectWhereTenant(mainQuery(), 't', A)
        const one = await asA(() => on((qb) => qb.select('t.id', 'id').where('t.title = :title', { title: 'B refund' }).getRawOne()))
        expect(one).to.equal(undefined)
        expectWhereTenant(mainQuery(), 't', A)
      })

      it('getCount / getExists / getManyAndCount', async () => {
        expect(await asAdmin(() => on((qb) => qb.getCount()))).to.equal(4)
        expect(await asA(() => on((qb) => qb.getCount()))).to.equal(2)
        expectWhereTenant(db().logger.last(/COUNT/), 't', A)
        expect(await asAdmin(() => on((qb) => qb.where('t.organizationId = :b', { b: B }).getExists()))).to.equal(true)
        expect(await asA(() => on((qb) => qb.where('t.organizationId = :b', { b: B }).getExists()))).to.equal(false)
        expectWhereTenant(db().logger.last(/EXISTS/), 't', A)
        const [rows, count] = await asA(() => on((qb) => qb.take(1).getManyAndCount()))
        expect(rows.map((r) => r.organizationId)).to.deep.equal([A])
        expect(count).to.equal(2)
      })

      it('stream', async function () {
        if (!db().dialect.streams) this.skip() // TypeORM has no QueryBuilder.stream() on SQLite
        const rows = await asA(() => on(async (qb) => collect<Record<string, unknown>>((await qb.stream()) as unknown as AsyncIterable<Record<string, unknown>>)))
        expect(rows.map((r) => r['t_organizationId'])).to.deep.equal([A, A])
        expectWhereTenant(mainQuery(), 't', A)
      })

      it('skip/take with joins: both pagination queries are filtered, and children are the tenant\'s', async () => {
        db().logger.clear()
        const page = await asA(() => on((qb) => qb.leftJoinAndSelect('t.comments', 'c').orderBy('t.id', 'ASC').skip(0).take(5).getMany()))
        expect(page.map((t) => t.organizationId)).to.deep.equal([A, A])
        expect(page[0]!.comments.map((c) => c.body)).to.deep.equal(['A comment on A ticket'])
        const distinct = db().logger.last(/DISTINCT/)
        expectWhereTenant(distinct, 't', A)
        expectJoinTenant(distinct, 'c', A)
        const second = db().logger.last(/FROM "[^"]*"\."support_ticket" "t" LEFT JOIN .* WHERE .* IN \(/)
        expectWhereTenant(second, 't', A)
        expectJoinTenant(second, 'c', A)
      })

      it('a subQuery() in where and a subquery in from are filtered', async () => {
        // subQuery() in where: tickets that have a comment with a given body
        const inWhere = (body: string) =>
          on((qb) =>
            qb
              .where((outer) => 't.id IN ' + outer.subQuery().select('c.ticketId').from(TicketComment, 'c').where('c.body = :body', { body }).getQuery())
              .orWhere('1=0')
              .getMany(),
          )
        const planted = 'B comment planted on A ticket'
        expect(await asAdmin(() => inWhere(planted))).to.have.length(1)
        expect(await asA(() => inWhere(planted))).to.deep.equal([])
        const sent = mainQuery()
        expectWhereTenant(sent, 't', A)
        expect(sent.sql).to.match(new RegExp(String.raw`FROM "[^"]*"\."ticket_comment" "c" WHERE .*"c"\."organizationId" = ${boundValue(sent)}`))
        expectTenantTerm(sent, A, 'organizationId', 'c')

        // a subquery in from
        const fromSub = () =>
          ds()
            .createQueryBuilder()
            .select('sub.org', 'org')
            .from((sq) => sq.select('x.organizationId', 'org').from(SupportTicket, 'x'), 'sub')
            .getRawMany<{ org: number }>()
        expect((await asAdmin(fromSub)).map((r) => r.org)).to.include(B)
        expect((await asA(fromSub)).map((r) => r.org)).to.deep.equal([A, A])
        expectWhereTenant(db().logger.last(/"x"/), 'x', A)
      })

      it('fails closed with no tenant and sends no SQL', async () => {
        db().logger.clear()
        expect(await caught(() => on((qb) => qb.getMany()))).to.be.instanceOf(TenantContextMissingError)
        expect(await caught(() => on((qb) => qb.getCount()))).to.be.instanceOf(TenantContextMissingError)
        expect(db().logger.statements).to.have.length(0)
      })
    })
  }
})
