import { expect } from 'chai'
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm'
import { runWithTenant, runWithoutTenant, TenancyError, TenantScoped } from '../../lib'
import { queryAsPostgres } from '../support/dialects/raw-query'
import { describeEachDialect } from '../support/test-database'
import { A, AdvNote, AdvTicket, adversarialEntities, B, seedAdversarial } from './adversarial-model'

/** Shared rows (tenant NULL) that every tenant reads and none may change. */
@Entity('adv_template')
@TenantScoped('orgId', { shared: 'null' })
class AdvTemplate {
  @PrimaryGeneratedColumn() id!: number
  @Column({ type: 'int', nullable: true }) orgId!: number | null
  @Column() body!: string
}

/**
 * Adversarial regressions for writes: an attacker under tenant A tries to change, move, forge or deface
 * rows of B (or shared rows). Each attempt either changes nothing of B or is refused with a TenancyError;
 * the database is read afterwards with plain SQL.
 */
describeEachDialect('adversarial: writes that try to reach another tenant', { entities: [...adversarialEntities, AdvTemplate] }, (db) => {
  let aIds: number[]
  let bIds: number[]
  let sharedId: number
  const ds = () => db().dataSource
  const table = (entity: Function): string => ds().getMetadata(entity).tablePath.split('.').map((p) => `"${p}"`).join('.')
  /** B's rows, notes on B's tickets, and shared rows, read with plain SQL. */
  const snapshot = async (): Promise<string> =>
    JSON.stringify(
      await runWithoutTenant(async () => [
        await queryAsPostgres(ds(), `SELECT * FROM ${table(AdvTicket)} WHERE org_id = $1 ORDER BY id`, [B]),
        await queryAsPostgres(ds(), `SELECT * FROM ${table(AdvNote)} WHERE org_id = $1 OR "ticketId" IN (SELECT id FROM ${table(AdvTicket)} WHERE org_id = $1) ORDER BY id`, [B]),
        await queryAsPostgres(ds(), `SELECT * FROM ${table(AdvTemplate)} WHERE "orgId" IS NULL OR "orgId" = $1 ORDER BY id`, [B]),
      ]),
    )

  before(async () => {
    const seeded = await seedAdversarial(ds())
    aIds = seeded.a.map((t) => t.id)
    bIds = seeded.b.map((t) => t.id)
    sharedId = (await runWithoutTenant(() => ds().getRepository(AdvTemplate).save({ orgId: null, body: 'shared template' }))).id
  })

  /** Runs an attack as A; it may be refused with a TenancyError, never with anything else. */
  async function attack(label: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await runWithTenant(A, fn)
    } catch (error) {
      expect(error, `${label}: ${String(error)}`).to.be.instanceOf(TenancyError)
    }
  }

  it('B has rows, and no attack below changes any row of B or any shared row', async () => {
    const before = await snapshot()
    expect(before).to.include('B secret one').and.to.include('B note').and.to.include('shared template')
    const tickets = () => ds().getRepository(AdvTicket)

    await attack('update by foreign id', () => tickets().update(bIds[0]!, { title: 'pwned' }))
    await attack('update by criteria', () => tickets().update({ title: 'B secret two' }, { title: 'pwned' }))
    await attack('QB update with OR', () => ds().createQueryBuilder().update(AdvTicket).set({ title: 'pwned' }).where('id = :id OR 1=1', { id: bIds[0] }).execute())
    await attack('delete foreign id', () => tickets().delete(bIds[1]!))
    await attack('QB delete with OR', () => ds().createQueryBuilder().delete().from(AdvTicket).where('id = :id OR 1=0', { id: bIds[1] }).execute())
    await attack('save a foreign id', () => tickets().save({ id: bIds[0]!, title: 'pwned by save' }))
    await attack('upsert a foreign id', () => tickets().upsert({ id: bIds[0]!, title: 'pwned by upsert' }, ['id']))
    await attack('link a note to a B ticket', () => ds().getRepository(AdvNote).update({ body: 'A note' }, { ticketId: bIds[0]! }))
    await attack('insert a note on a B ticket', () => ds().getRepository(AdvNote).insert({ body: 'A note on B ticket', ticketId: bIds[0]! }))
    await attack('relation add', () => ds().createQueryBuilder().relation(AdvTicket, 'notes').of(bIds[0]!).add(1))
    await attack('deface a shared row by update', () => ds().getRepository(AdvTemplate).update(sharedId, { body: 'defaced' }))
    await attack('deface a shared row by save', () => ds().getRepository(AdvTemplate).save({ id: sharedId, body: 'defaced by save' }))
    await attack('delete a shared row', () => ds().getRepository(AdvTemplate).delete(sharedId))

    expect(await snapshot()).to.equal(before)
  })

  it('moving or forging a tenant id is refused and writes nothing', async () => {
    const before = await snapshot()
    const refused = async (label: string, fn: () => Promise<unknown>): Promise<void> => {
      let error: unknown
      try {
        await runWithTenant(A, fn)
      } catch (e) {
        error = e
      }
      expect(error, label).to.be.instanceOf(TenancyError)
    }
    await refused('insert for B', () => ds().getRepository(AdvTicket).insert({ orgId: B, title: 'forged' }))
    await refused('insert for "2"', () => ds().getRepository(AdvTicket).insert({ orgId: '2' as unknown as number, title: 'forged' }))
    await refused('insert with a raw SQL tenant', () => ds().createQueryBuilder().insert().into(AdvTicket).values({ orgId: () => '2', title: 'forged' }).execute())
    await refused('batch insert with one B row', () => ds().getRepository(AdvTicket).insert([{ title: 'ok' }, { orgId: B, title: 'forged' }]))
    await refused('move A row to B', () => ds().getRepository(AdvTicket).update(aIds[0]!, { orgId: B }))
    await refused('move by raw SQL', () => ds().createQueryBuilder().update(AdvTicket).set({ orgId: () => 'org_id + 1' }).where('id = :id', { id: aIds[0] }).execute())
    await refused('move by increment', () => ds().getRepository(AdvTicket).increment({ id: aIds[0]! }, 'orgId', 1))
    await refused('move by save', async () => {
      const mine = await ds().getRepository(AdvTicket).findOneByOrFail({ id: aIds[0]! })
      mine.orgId = B
      return ds().getRepository(AdvTicket).save(mine)
    })
    await refused('publish as a shared row', () => ds().getRepository(AdvTemplate).insert({ orgId: null, body: 'phishing for everyone' }))
    expect(await snapshot()).to.equal(before)
  })
})
