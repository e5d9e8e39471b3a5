import { expect } from 'chai'
import { Like, type DataSource, type FindManyOptions, type FindOneOptions, type FindOptionsWhere } from 'typeorm'
import { runWithTenant, runWithoutTenant, TenantContextMissingError } from '../../lib'
import { A, B, SupportTicket, supportDeskEntities } from '../fixtures/support-desk-model'
import { seedSupportDesk, type SeededDesk } from '../fixtures/seed-support-desk'
import { caught } from '../fixtures/query-access-paths'
import { expectWhereTenant } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'

type Where = FindOptionsWhere<SupportTicket> | FindOptionsWhere<SupportTicket>[]
type Numeric = 'priority' | 'id'

/** The find API of one line (Repository or EntityManager), for SupportTicket. */
interface FindLine {
  find(o?: FindManyOptions<SupportTicket>): Promise<SupportTicket[]>
  findBy(w: Where): Promise<SupportTicket[]>
  findOne(o: FindOneOptions<SupportTicket>): Promise<SupportTicket | null>
  findOneBy(w: Where): Promise<SupportTicket | null>
  findOneOrFail(o: FindOneOptions<SupportTicket>): Promise<SupportTicket>
  findOneByOrFail(w: Where): Promise<SupportTicket>
  findAndCount(o?: FindManyOptions<SupportTicket>): Promise<[SupportTicket[], number]>
  findAndCountBy(w: Where): Promise<[SupportTicket[], number]>
  count(o?: FindManyOptions<SupportTicket>): Promise<number>
  countBy(w: Where): Promise<number>
  exists(o?: FindManyOptions<SupportTicket>): Promise<boolean>
  existsBy(w: Where): Promise<boolean>
  sum(c: Numeric, w?: Where): Promise<number | null>
  average(c: Numeric, w?: Where): Promise<number | null>
  minimum(c: Numeric, w?: Where): Promise<number | null>
  maximum(c: Numeric, w?: Where): Promise<number | null>
}

const lines: Array<{ name: string; of(ds: DataSource): FindLine }> = [
  { name: 'Repository', of: (ds) => ds.getRepository(SupportTicket) },
  {
    name: 'EntityManager',
    of: (ds) => {
      const m = ds.manager
      const T = SupportTicket
      return {
        find: (o) => m.find(T, o),
        findBy: (w) => m.findBy(T, w),
        findOne: (o) => m.findOne(T, o),
        findOneBy: (w) => m.findOneBy(T, w),
        findOneOrFail: (o) => m.findOneOrFail(T, o),
        findOneByOrFail: (w) => m.findOneByOrFail(T, w),
        findAndCount: (o) => m.findAndCount(T, o),
        findAndCountBy: (w) => m.findAndCountBy(T, w),
        count: (o) => m.count(T, o),
        countBy: (w) => m.countBy(T, w),
        exists: (o) => m.exists(T, o),
        existsBy: (w) => m.existsBy(T, w),
        sum: (c, w) => m.sum(T, c, w),
        average: (c, w) => m.average(T, c, w),
        minimum: (c, w) => m.minimum(T, c, w),
        maximum: (c, w) => m.maximum(T, c, w),
      }
    },
  },
]

describeEachDialect('Repository and EntityManager finds', { entities: supportDeskEntities }, (db) => {
  let desk: SeededDesk
  let foreignId: number
  const T = 'SupportTicket'
  before(async () => {
    desk = await seedSupportDesk(db().dataSource)
    foreignId = desk.ticketsB[0]!.id
  })

  const asA = <R>(fn: () => Promise<R>): Promise<R> => runWithTenant(A, fn)
  const asAdmin = <R>(fn: () => Promise<R>): Promise<R> => runWithoutTenant(fn)
  const lastTicketQuery = () => db().logger.last(/FROM "[^"]*"\."support_ticket" "SupportTicket"/)

  for (const line of lines) {
    describe(line.name, () => {
      const api = () => line.of(db().dataSource)

      it('find / findBy: the other tenant has rows, and they are not returned', async () => {
        const all = await asAdmin(() => api().find())
        expect(all.filter((t) => t.organizationId === B)).to.have.length(2)

        const found = await asA(() => api().find())
        expect(found.map((t) => t.organizationId)).to.deep.equal([A, A])
        expectWhereTenant(lastTicketQuery(), T, A)

        const byTitle = await asA(() => api().findBy({ title: 'B printer on fire' }))
        expect(byTitle).to.deep.equal([])
        expectWhereTenant(lastTicketQuery(), T, A)
      })

      it('a where array (OR) cannot reach the other tenant', async () => {
        const where: Where = [{ title: 'B refund' }, { priority: 3 }, { id: foreignId }]
        const all = await asAdmin(() => api().findBy(where))
        expect(all.some((t) => t.organizationId === B)).to.equal(true)

        const found = await asA(() => api().find({ where }))
        expect(found.map((t) => t.title)).to.deep.equal(['A printer on fire'])
        const sent = lastTicketQuery()
        expect(sent.sql).to.include(' OR ')
        expectWhereTenant(sent, T, A)
      })

      it('findOne / findOneBy by a foreign id: null, as for a missing id', async () => {
        expect(await asAdmin(() => api().findOneBy({ id: foreignId }))).to.not.equal(null)
        expect(await asA(() => api().findOneBy({ id: foreignId }))).to.equal(null)
        expectWhereTenant(lastTicketQuery(), T, A)
        expect(await asA(() => api().findOne({ where: { id: foreignId } }))).to.equal(null)
        expectWhereTenant(lastTicketQuery(), T, A)
        expect((await asA(() => api().findOneBy({ id: desk.ticketsA[0]!.id })))?.organizationId).to.equal(A)
      })

      it('findOneOrFail / findOneByOrFail by a foreign id: EntityNotFound, the same error as a missing id', async () => {
        expect((await asAdmin(() => api().findOneOrFail({ where: { id: foreignId } }))).organizationId).to.equal(B)
        const foreign = await caught(() => asA(() => api().findOneOrFail({ where: { id: foreignId } })))
        expectWhereTenant(lastTicketQuery(), T, A)
        const missing = await caught(() => asA(() => api().findOneOrFail({ where: { id: 999_999 } })))
        expect((foreign as Error).name).to.equal('EntityNotFoundError')
        expect((missing as Error).constructor).to.equal((foreign as Error).constructor)
        const foreignBy = await caught(() => asA(() => api().findOneByOrFail({ id: foreignId })))
        expect((foreignBy as Error).name).to.equal('EntityNotFoundError')
      })

      it('findAndCount / findAndCountBy: rows and total of the tenant only', async () => {
        const [, allTotal] = await asAdmin(() => api().findAndCount())
        expect(allTotal).to.equal(4)
        const [rows, total] = await asA(() => api().findAndCount({ take: 1, order: { id: 'ASC' } }))
        expect(rows.map((t) => t.organizationId)).to.deep.equal([A])
        expect(total).to.equal(2)
        expectWhereTenant(db().logger.last(/COUNT\(/), T, A)
        const [byRows, byTotal] = await asA(() => api().findAndCountBy({ priority: 3 }))
        expect(byRows.map((t) => t.title)).to.deep.equal(['A printer on fire'])
        expect(byTotal).to.equal(1)
      })

      it('count / countBy', async () => {
        expect(await asAdmin(() => api().count())).to.equal(4)
        expect(await asA(() => api().count())).to.equal(2)
        expectWhereTenant(db().logger.last(/COUNT\(/), T, A)
        expect(await asA(() => api().countBy({ title: Like('B%') }))).to.equal(0)
        expectWhereTenant(db().logger.last(/COUNT\(/), T, A)
      })

      it('exists / existsBy: a foreign row does not exist', async () => {
        expect(await asAdmin(() => api().existsBy({ id: foreignId }))).to.equal(true)
        expect(await asA(() => api().existsBy({ id: foreignId }))).to.equal(false)
        const sent = db().logger.last(/EXISTS/)
        expectWhereTenant(sent, T, A)
        expect(await asA(() => api().exists({ where: { title: Like('B%') } }))).to.equal(false)
        expect(await asA(() => api().exists())).to.equal(true)
      })

      it('sum / average / minimum / maximum aggregate the tenant only', async () => {
        expect(Number(await asAdmin(() => api().sum('priority')))).to.equal(9)
        expect(Number(await asA(() => api().sum('priority')))).to.equal(4)
        expectWhereTenant(db().logger.last(/SUM\(/), T, A)

        expect(Number(await asAdmin(() => api().average('priority')))).to.equal(2.25)
        expect(Number(await asA(() => api().average('priority')))).to.equal(2)
        expectWhereTenant(db().logger.last(/AVG\(/), T, A)

        expect(await asAdmin(() => api().minimum('id', { title: Like('B%') }))).to.equal(desk.ticketsB[0]!.id)
        expect(await asA(() => api().minimum('id', { title: Like('B%') }))).to.equal(null)
        expectWhereTenant(db().logger.last(/MIN\(/), T, A)

        expect(await asAdmin(() => api().maximum('id'))).to.equal(desk.ticketsB[1]!.id)
        expect(await asA(() => api().maximum('id'))).to.equal(desk.ticketsA[1]!.id)
        expectWhereTenant(db().logger.last(/MAX\(/), T, A)
      })

      it('fails closed with no tenant on every method, and sends no SQL', async () => {
        db().logger.clear()
        const calls: Array<() => Promise<unknown>> = [
          () => api().find(), () => api().findOneBy({ id: 1 }), () => api().findAndCount(), () => api().count(),
          () => api().exists(), () => api().sum('priority'), () => api().maximum('id'),
        ]
        for (const call of calls) expect(await caught(call)).to.be.instanceOf(TenantContextMissingError)
        expect(db().logger.statements).to.have.length(0)
      })
    })
  }
})
