import { expect } from 'chai'
import { Brackets, NotBrackets } from 'typeorm'
import { runWithTenant, runWithoutTenant } from '../../lib'
import { A, B, SupportTicket, TicketComment, supportDeskEntities } from '../fixtures/support-desk-model'
import { seedSupportDesk, type SeededDesk } from '../fixtures/seed-support-desk'
import { expectJoinTenant, expectWhereTenant } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'

type Mapped = SupportTicket & { mapped?: TicketComment | TicketComment[] | null }

describeEachDialect('joins and where escapes', { entities: supportDeskEntities }, (db) => {
  let desk: SeededDesk
  const ds = () => db().dataSource
  const qb = () => ds().createQueryBuilder(SupportTicket, 't')
  const asA = <R>(fn: () => Promise<R>): Promise<R> => runWithTenant(A, fn)
  const asAdmin = <R>(fn: () => Promise<R>): Promise<R> => runWithoutTenant(fn)
  const sent = () => db().logger.last(/FROM "[^"]*"\."support_ticket" "t"/)
  // A join condition with an OR that, unparenthesised, would match every comment of every tenant.
  const widening = 'c.ticketId = t.id OR c.id > 0'

  before(async () => {
    desk = await seedSupportDesk(ds())
  })

  const cases = [
    { name: 'leftJoinAndSelect (relation)', kind: 'LEFT', run: () => qb().leftJoinAndSelect('t.comments', 'c').orderBy('t.id').getMany() },
    { name: 'innerJoinAndSelect (relation)', kind: 'INNER', run: () => qb().innerJoinAndSelect('t.comments', 'c').orderBy('t.id').getMany() },
    { name: 'leftJoinAndSelect (entity class, OR condition)', kind: 'LEFT', run: () => qb().leftJoinAndSelect(TicketComment, 'c', widening).getRawMany() },
    { name: 'innerJoinAndSelect (entity class, OR condition)', kind: 'INNER', run: () => qb().innerJoinAndSelect(TicketComment, 'c', widening).getRawMany() },
    { name: 'leftJoin (table name, OR condition)', kind: 'LEFT', run: () => qb().leftJoin('ticket_comment', 'c', widening).addSelect('c.body', 'body').getRawMany() },
    { name: 'innerJoin (entity class, OR condition)', kind: 'INNER', run: () => qb().innerJoin(TicketComment, 'c', widening).select('c.body', 'body').getRawMany() },
    { name: 'leftJoinAndMapMany (OR condition)', kind: 'LEFT', run: () => qb().leftJoinAndMapMany('t.mapped', TicketComment, 'c', widening).getMany() },
    { name: 'leftJoinAndMapOne (OR condition)', kind: 'LEFT', run: () => qb().leftJoinAndMapOne('t.mapped', TicketComment, 'c', "c.body = 'B comment planted on A ticket' OR c.id < 0").getMany() },
    { name: 'innerJoinAndMapMany (OR condition)', kind: 'INNER', run: () => qb().innerJoinAndMapMany('t.mapped', TicketComment, 'c', widening).getMany() },
    { name: 'innerJoinAndMapOne (OR condition)', kind: 'INNER', run: () => qb().innerJoinAndMapOne('t.mapped', TicketComment, 'c', "c.body = 'B comment planted on A ticket' OR c.ticketId = t.id").getMany() },
    { name: 'leftJoinAndSelect from EntityManager.createQueryBuilder', kind: 'LEFT', run: () => ds().manager.createQueryBuilder(SupportTicket, 't').leftJoinAndSelect('t.comments', 'c').getMany() },
    { name: 'leftJoinAndSelect from Repository.createQueryBuilder', kind: 'LEFT', run: () => ds().getRepository(SupportTicket).createQueryBuilder('t').leftJoinAndSelect('t.comments', 'c').getMany() },
    {
      name: 'innerJoinAndSelect inside a transaction (its manager)',
      kind: 'INNER',
      run: () => ds().transaction((m) => m.createQueryBuilder(SupportTicket, 't').innerJoinAndSelect('t.comments', 'c', widening).getMany()),
    },
  ] as const

  /** Every comment body and owner reachable from the result, whatever shape it has. */
  const reached = (result: unknown[]): Array<{ body: string; organizationId?: number }> =>
    result.flatMap((row) => {
      const r = row as Mapped & { body?: string; c_body?: string | null }
      if (typeof r.body === 'string') return [{ body: r.body }]
      if (r.c_body !== undefined) return r.c_body === null ? [] : [{ body: r.c_body }]
      const mapped = r.mapped === undefined ? r.comments : r.mapped
      return (Array.isArray(mapped) ? mapped : mapped ? [mapped] : []) as TicketComment[]
    })

  for (const c of cases) {
    it(`${c.name}: the other tenant's children exist, are not joined, and the tenant term is inside ON`, async () => {
      const admin = reached(await asAdmin(() => c.run() as Promise<unknown[]>))
      expect(admin.map((x) => x.body)).to.include('B comment planted on A ticket')

      const result = await asA(() => c.run() as Promise<unknown[]>)
      expect(result.length).to.be.greaterThan(0)
      const rows = reached(result)
      expect(rows.map((x) => x.body).filter((b) => b.startsWith('B '))).to.deep.equal([])
      const query = sent()
      expectWhereTenant(query, 't', A)
      expectJoinTenant(query, 'c', A, c.kind)
    })
  }

  it('a LEFT JOIN keeps a parent with no visible children (it stays a LEFT JOIN)', async () => {
    const onlyForeign = await asAdmin(() => qb().leftJoinAndSelect('t.comments', 'c').where('t.id = :id', { id: desk.ticketsA[1]!.id }).getOneOrFail())
    expect(onlyForeign.comments).to.deep.equal([])
    // ticket A1 has an A comment and a B comment; A2 has none: both parents must come back under A
    const rows = await asA(() => qb().leftJoinAndSelect('t.comments', 'c', 'c.body LIKE :b', { b: 'B%' }).orderBy('t.id').getMany())
    expect(rows.map((t) => t.id)).to.deep.equal(desk.ticketsA.map((t) => t.id))
    expect(rows.every((t) => t.comments.length === 0)).to.equal(true)
    expect(sent().sql).to.match(/LEFT JOIN \S+ "c" ON /)
    expectJoinTenant(sent(), 'c', A)
  })

  it('a join from an unscoped root still filters the scoped joined table', async () => {
    const rows = await asA(() =>
      ds().createQueryBuilder().select('c.body', 'body').from('newsfeed_item', 'n').leftJoin(TicketComment, 'c', '1=1').getRawMany<{ body: string | null }>(),
    )
    expect(rows.map((r) => r.body).filter((b) => b !== null && b.startsWith('B '))).to.deep.equal([])
    expectJoinTenant(db().logger.last(/"newsfeed_item"/), 'c', A)
  })

  describe('user conditions cannot escape the tenant term', () => {
    const foreign = () => desk.ticketsB.map((t) => t.id)
    const check = async (build: () => Promise<SupportTicket[]>) => {
      expect((await asAdmin(build)).some((t) => t.organizationId === B)).to.equal(true)
      const rows = await asA(build)
      expect(rows.filter((t) => t.organizationId !== A)).to.deep.equal([])
      expectWhereTenant(sent(), 't', A)
    }

    it('.orWhere()', () => check(() => qb().where('t.id = :x', { x: -1 }).orWhere('t.id IN (:...ids)', { ids: foreign() }).getMany()))
    it('.where() after .orWhere() (which replaces the user where list)', () =>
      check(() => qb().orWhere('t.id = -1').where('1=1 OR t.id IN (:...ids)', { ids: foreign() }).getMany()))
    it('Brackets', () => check(() => qb().where(new Brackets((w) => w.where('1=1').orWhere('t.organizationId = :b', { b: B }))).getMany()))
    it('NotBrackets', () => check(() => qb().where(new NotBrackets((w) => w.where('t.organizationId = :a', { a: A }))).getMany()))
    it('a parameter named like the plugin\'s own cannot change the tenant', () =>
      check(() => qb().where('t.id IN (:...ids)', { ids: foreign() }).orWhere('1=1').setParameter('__tenancy_tenant', B).getMany()))
  })
})
