import { expect } from 'chai'
import { Column, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm'
import { runWithTenant, runWithoutTenant, TenantScoped } from '../../lib'
import { A, B, SupportTicket, TicketComment, supportDeskEntities } from '../fixtures/support-desk-model'
import { seedSupportDesk, type SeededDesk } from '../fixtures/seed-support-desk'
import { boundValue, expectJoinTenant, expectTenantTerm, expectWhereTenant } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'

@Entity()
@TenantScoped('organizationId')
class EagerBoard {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() name!: string
  @OneToMany(() => EagerCard, (c) => c.board, { eager: true }) cards!: EagerCard[]
}

@Entity()
@TenantScoped('organizationId')
class EagerCard {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() text!: string
  @ManyToOne(() => EagerBoard, (b) => b.cards) board!: EagerBoard
}

/** The alias TypeORM gave the join of `table`. */
const joinAliasOf = (sql: string, table: string): string => {
  const match = new RegExp(`JOIN "[^"]*"\\."${table}" "([^"]+)" ON`).exec(sql)
  if (!match) throw new Error(`no join of ${table} in ${sql}`)
  return match[1]!
}

describeEachDialect('relations, eager relations and relation loaders', { entities: [...supportDeskEntities, EagerBoard, EagerCard] }, (db) => {
  let desk: SeededDesk
  let plantedOnB: TicketComment
  let boardA: EagerBoard
  const ds = () => db().dataSource
  const asA = <R>(fn: () => Promise<R>): Promise<R> => runWithTenant(A, fn)
  const asAdmin = <R>(fn: () => Promise<R>): Promise<R> => runWithoutTenant(fn)

  before(async () => {
    desk = await seedSupportDesk(ds())
    await asAdmin(async () => {
      // An A comment on a B ticket: the many-to-one side of a cross-tenant link.
      plantedOnB = await ds().manager.save(TicketComment, { organizationId: A, body: 'A comment planted on B ticket', ticket: desk.ticketsB[0]! })
      boardA = await ds().manager.save(EagerBoard, { organizationId: A, name: 'board A' })
      await ds().manager.save(EagerCard, [
        { organizationId: A, text: 'card A', board: boardA },
        { organizationId: B, text: 'card B planted on board A', board: boardA },
      ])
    })
  })

  const ticketA1 = () => desk.ticketsA[0]!

  it('the cross-tenant links exist (admin view)', async () => {
    const t = await asAdmin(() => ds().getRepository(SupportTicket).findOneOrFail({ where: { id: ticketA1().id }, relations: { comments: true, tags: true } }))
    expect(t.comments.map((c) => c.organizationId).sort()).to.deep.equal([A, B])
    expect(t.tags.map((x) => x.organizationId).sort()).to.deep.equal([A, B])
    const board = await asAdmin(() => ds().getRepository(EagerBoard).findOneByOrFail({ id: boardA.id }))
    expect(board.cards).to.have.length(2)
  })

  for (const strategy of ['join', 'query'] as const) {
    it(`relations with relationLoadStrategy '${strategy}': one-to-many and many-to-many children are the tenant's`, async () => {
      db().logger.clear()
      const t = await asA(() =>
        ds().getRepository(SupportTicket).findOneOrFail({ where: { id: ticketA1().id }, relations: { comments: true, tags: true }, relationLoadStrategy: strategy }),
      )
      expect(t.comments.map((c) => c.body)).to.deep.equal(['A comment on A ticket'])
      expect(t.tags.map((x) => x.label)).to.deep.equal(['urgent-a'])
      if (strategy === 'join') {
        const sent = db().logger.last(/FROM "[^"]*"\."support_ticket" "SupportTicket"/)
        expectWhereTenant(sent, 'SupportTicket', A)
        expectJoinTenant(sent, joinAliasOf(sent.sql, 'ticket_comment'), A)
        expectJoinTenant(sent, joinAliasOf(sent.sql, 'tag'), A)
      } else {
        expectWhereTenant(db().logger.last(/FROM "[^"]*"\."support_ticket" "SupportTicket"/), 'SupportTicket', A)
        const comments = db().logger.last(/FROM "[^"]*"\."ticket_comment"/)
        expectTenantTerm(comments, A)
      }
    })

    it(`relations with relationLoadStrategy '${strategy}': a many-to-one to a foreign parent loads as null`, async () => {
      const admin = await asAdmin(() => ds().getRepository(TicketComment).findOneOrFail({ where: { id: plantedOnB.id }, relations: { ticket: true }, relationLoadStrategy: strategy }))
      expect(admin.ticket?.organizationId).to.equal(B)
      const c = await asA(() => ds().getRepository(TicketComment).findOneOrFail({ where: { id: plantedOnB.id }, relations: { ticket: true }, relationLoadStrategy: strategy }))
      expect(c.ticket).to.equal(null)
      expect(c.ticketId).to.equal(desk.ticketsB[0]!.id) // the foreign key column itself is the row's own data
    })
  }

  it('eager relations load only the tenant\'s children', async () => {
    db().logger.clear()
    const board = await asA(() => ds().getRepository(EagerBoard).findOneByOrFail({ id: boardA.id }))
    expect(board.cards.map((c) => c.text)).to.deep.equal(['card A'])
    const cards = db().logger.last(/"eager_card"/)
    expectTenantTerm(cards, A)
  })

  it('loadRelationIds: ids of the tenant\'s children only', async () => {
    const admin = await asAdmin(() => ds().getRepository(SupportTicket).findOneOrFail({ where: { id: ticketA1().id }, loadRelationIds: true }))
    expect((admin.tags as unknown as number[]).sort()).to.deep.equal([desk.tagA.id, desk.tagB.id].sort())
    db().logger.clear()
    const t = await asA(() => ds().getRepository(SupportTicket).findOneOrFail({ where: { id: ticketA1().id }, loadRelationIds: true }))
    expect(t.tags as unknown as number[]).to.deep.equal([desk.tagA.id])
    expect(t.comments as unknown as number[]).to.have.length(1)
    const junction = db().logger.last(/"support_ticket_tags_tag"/)
    expect(junction.sql).to.match(new RegExp(String.raw`EXISTS \(SELECT 1 FROM "[^"]*"\."tag" "tenancy_end_\d" WHERE .* AND "tenancy_end_\d"\."organizationId" = ${boundValue(junction)}\)`))
    expectTenantTerm(junction, A)
  })

  it('@RelationId: ids of the tenant\'s children only', async () => {
    const admin = await asAdmin(() => ds().getRepository(SupportTicket).findOneByOrFail({ id: ticketA1().id }))
    expect(admin.tagIds).to.have.length(2)
    expect(admin.commentIds).to.have.length(2)
    const t = await asA(() => ds().getRepository(SupportTicket).findOneByOrFail({ id: ticketA1().id }))
    expect(t.tagIds).to.deep.equal([desk.tagA.id])
    expect(t.commentIds).to.have.length(1)
    const comments = db().logger.last(/FROM "[^"]*"\."ticket_comment"/)
    expectTenantTerm(comments, A)
  })

  it('relation(...).of(...).loadMany(): the tenant\'s children only', async () => {
    const load = () => ds().createQueryBuilder().relation(SupportTicket, 'comments').of(ticketA1().id).loadMany<TicketComment>()
    expect(await asAdmin(load)).to.have.length(2)
    const comments = await asA(load)
    expect(comments.map((c) => c.organizationId)).to.deep.equal([A])
    expectTenantTerm(db().logger.last(/"ticket_comment"/), A)
    const tags = await asA(() => ds().createQueryBuilder().relation(SupportTicket, 'tags').of(ticketA1().id).loadMany<{ label: string }>())
    expect(tags.map((x) => x.label)).to.deep.equal(['urgent-a'])
  })

  it('relation(...).of(...).loadOne(): a foreign parent is not loaded', async () => {
    const load = () => ds().createQueryBuilder().relation(TicketComment, 'ticket').of(plantedOnB.id).loadOne<SupportTicket>()
    expect((await asAdmin(load))?.organizationId).to.equal(B)
    expect(await asA(load)).to.equal(undefined)
    const sent = db().logger.last(/"support_ticket"/)
    expectTenantTerm(sent, A)
  })
})
