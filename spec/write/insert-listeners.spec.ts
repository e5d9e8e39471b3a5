import { expect } from 'chai'
import { BeforeInsert, Column, Entity, type EntitySubscriberInterface, EventSubscriber, type InsertEvent, PrimaryGeneratedColumn } from 'typeorm'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant, TenantScoped } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { expectRefused, rawRows, tenantSnapshot, writesSent } from './write-helpers'
import { A, B } from './write-model'

/** What the listeners write into the tenant column of the next insert (`undefined`: leave it alone). */
const forge: { subscriber?: number; entityListener?: number } = {}

@Entity()
@TenantScoped('organizationId')
class ListenerTicket {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() title!: string
  @Column({ default: '' }) trail!: string

  @BeforeInsert()
  forgeTenant(): void {
    this.trail = (this.trail ?? '') + 'entity-listener;'
    if (forge.entityListener !== undefined) this.organizationId = forge.entityListener
  }
}

@EventSubscriber()
class ForgingSubscriber implements EntitySubscriberInterface<ListenerTicket> {
  listenTo(): Function {
    return ListenerTicket
  }

  beforeInsert(event: InsertEvent<ListenerTicket>): void {
    event.entity.trail = (event.entity.trail ?? '') + 'subscriber;'
    if (forge.subscriber !== undefined) event.entity.organizationId = forge.subscriber
  }
}

/**
 * A `beforeInsert` subscriber or entity listener runs after the guard stamped the row: a tenant it sets is
 * checked again where the INSERT's SQL is built, so a listener cannot slip another tenant in.
 */
describeEachDialect('Writes: beforeInsert listeners cannot set another tenant', { entities: [ListenerTicket], extra: { subscribers: [ForgingSubscriber] } }, (db) => {
  let bSnapshot: string
  const repo = () => db().dataSource.getRepository(ListenerTicket)

  before(async () => {
    await runWithoutTenant(() => repo().save({ organizationId: B, title: 'B secret' }))
    bSnapshot = await tenantSnapshot(db().dataSource, 'listener_ticket', B)
  })

  afterEach(async () => {
    forge.subscriber = undefined
    forge.entityListener = undefined
    expect(await tenantSnapshot(db().dataSource, 'listener_ticket', B)).to.equal(bSnapshot)
  })

  it('the listeners run and can set the tenant column (precondition, under runWithoutTenant)', async () => {
    forge.subscriber = B
    await runWithoutTenant(() => repo().save(repo().create({ organizationId: A, title: 'admin forged' })))
    const row = (await rawRows(db().dataSource, 'listener_ticket')).find((r) => r['title'] === 'admin forged')!
    expect(row['organizationId']).to.equal(B)
    expect(row['trail']).to.include('subscriber;').and.to.include('entity-listener;')
    // keep B's rows as they were for the other tests
    await runWithoutTenant(() => repo().delete({ title: 'admin forged' }))
  })

  it('under a tenant, a listener that sets nothing leaves the stamped row alone', async () => {
    db().logger.clear()
    await runWithTenant(A, () => repo().save(repo().create({ title: 'A plain' })))
    expect(writesSent(db().logger)).to.have.length(1)
    const row = (await rawRows(db().dataSource, 'listener_ticket')).find((r) => r['title'] === 'A plain')!
    expect(row['organizationId']).to.equal(A)
    expect(row['trail']).to.include('subscriber;').and.to.include('entity-listener;')
  })

  for (const who of ['subscriber', 'entityListener'] as const) {
    const writes: Array<[string, () => Promise<unknown>]> = [
      ['save()', () => repo().save(repo().create({ title: 'forged' }))],
      ['save() with transaction: false', () => repo().save(repo().create({ title: 'forged' }), { transaction: false })],
      ['insert()', () => repo().insert(repo().create({ title: 'forged' }))],
      ['QueryBuilder insert().values().execute()', () => db().dataSource.createQueryBuilder().insert().into(ListenerTicket).values(repo().create({ title: 'forged' })).execute()],
    ]
    for (const [label, write] of writes) {
      it(`a ${who === 'subscriber' ? 'beforeInsert subscriber' : '@BeforeInsert entity listener'} setting another tenant: ${label} is refused, no INSERT sent`, async () => {
        forge[who] = B
        const error = await expectRefused(db().logger, () => runWithTenant(A, write))
        expect(error.message).to.include('"ListenerTicket"').and.to.include('organizationId')
        expect(error).to.be.instanceOf(CrossTenantWriteError)
        const rows = await rawRows(db().dataSource, 'listener_ticket')
        expect(rows.filter((r) => r['title'] === 'forged')).to.deep.equal([])
      })
    }
  }
})
