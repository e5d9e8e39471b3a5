import { expect } from 'chai'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant, TenantContextMissingError } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { expectRefused, rawRows, tenantSnapshot, writesSent } from './write-helpers'
import { A, B, WriteLabel, WriteTicket, writeEntities } from './write-model'

/**
 * A scoped table named by a path string TypeORM does not map back to the entity (a catalog- or
 * schema-qualified path) builds a write with no entity metadata, which the write guard could not stamp,
 * filter or check: such a write is refused before any SQL is built.
 */
describeEachDialect('Writes: a scoped table named by an unresolved path string is refused', { entities: writeEntities }, (db) => {
  let qualifier: string
  let ticketPath: string
  let junctionPath: string
  let ownTicket: WriteTicket
  let foreignTicket: WriteTicket
  let ownLabel: WriteLabel
  let bSnapshot: string

  before(async () => {
    const ds = db().dataSource
    if (db().dialect.name === 'postgres') {
      const [row] = (await runWithoutTenant(() => ds.query('SELECT current_database() AS name'))) as Array<{ name: string }>
      qualifier = `${row!.name}.${(ds.options as { schema: string }).schema}`
    } else {
      qualifier = db().dialect.name === 'sqlite' ? 'main' : String((ds.options as { database: string }).database)
    }
    ticketPath = `${qualifier}.${ds.getMetadata(WriteTicket).tableName}`
    const junction = ds.getMetadata(WriteTicket).manyToManyRelations[0]!.junctionEntityMetadata!
    junctionPath = `${qualifier}.${junction.tableName}`
    await runWithoutTenant(async () => {
      ownTicket = await ds.getRepository(WriteTicket).save({ organizationId: A, title: 'A own' })
      foreignTicket = await ds.getRepository(WriteTicket).save({ organizationId: B, title: 'B secret' })
      ownLabel = await ds.getRepository(WriteLabel).save({ organizationId: A, name: 'A label' })
    })
    bSnapshot = await tenantSnapshot(ds, 'write_ticket', B)
  })

  afterEach(async () => {
    expect(await tenantSnapshot(db().dataSource, 'write_ticket', B)).to.equal(bSnapshot)
  })

  it('the paths do not resolve to metadata, and really reach the table (an admin update under runWithoutTenant)', async () => {
    const ds = db().dataSource
    expect(ds.hasMetadata(ticketPath), ticketPath).to.equal(false)
    expect(ds.hasMetadata(junctionPath), junctionPath).to.equal(false)
    expect((await rawRows(ds, 'write_ticket')).some((r) => r['organizationId'] === B)).to.equal(true)
    await runWithoutTenant(() => ds.createQueryBuilder().update(ticketPath).set({ title: 'A own (admin)' }).where('id = :id', { id: ownTicket.id }).execute())
    expect((await rawRows(ds, 'write_ticket')).find((r) => r['id'] === ownTicket.id)!['title']).to.equal('A own (admin)')
  })

  const cases: Array<[string, () => Promise<unknown>]> = [
    ['update(path)', () => db().dataSource.createQueryBuilder().update(ticketPath).set({ title: 'changed by A' }).where('id = :id', { id: foreignTicket.id }).execute()],
    ['delete().from(path)', () => db().dataSource.createQueryBuilder().delete().from(ticketPath).where('id = :id', { id: foreignTicket.id }).execute()],
    ['insert().into(path) naming the other tenant', () => db().dataSource.createQueryBuilder().insert().into(ticketPath).values({ organizationId: B, title: 'forged by A' }).execute()],
    ['insert().into(path) naming the current tenant', () => db().dataSource.createQueryBuilder().insert().into(ticketPath).values({ organizationId: A, title: 'own via path' }).execute()],
    [
      'insert().into(junction path) linking a foreign ticket',
      () => db().dataSource.createQueryBuilder().insert().into(junctionPath).values({ writeTicketId: foreignTicket.id, writeLabelId: ownLabel.id }).execute(),
    ],
  ]
  for (const [label, write] of cases) {
    it(`${label}: CrossTenantWriteError naming the entity, no write sent`, async () => {
      const error = await expectRefused(db().logger, () => runWithTenant(A, write))
      const entity = label.includes('junction') ? db().dataSource.getMetadata(WriteTicket).manyToManyRelations[0]!.junctionEntityMetadata!.name : 'WriteTicket'
      expect(error.message).to.include(`"${entity}" by the path string`)
      expect(error.message).to.include('Pass the entity class')
      const rows = await rawRows(db().dataSource, 'write_ticket')
      expect(rows.filter((r) => typeof r['title'] === 'string' && /forged|own via path|changed by A/.test(r['title']))).to.deep.equal([])
    })
  }

  it('building the SQL (getQuery) is refused too', () => {
    expect(() => runWithTenant(A, () => db().dataSource.createQueryBuilder().update(ticketPath).set({ title: 'x' }).getQuery())).to.throw(CrossTenantWriteError)
    expect(() => runWithTenant(A, () => db().dataSource.createQueryBuilder().delete().from(ticketPath).getQuery())).to.throw(CrossTenantWriteError)
  })

  it('with no tenant in context the write fails closed', async () => {
    db().logger.clear()
    let error: unknown
    try {
      await db().dataSource.createQueryBuilder().delete().from(ticketPath).where('id = :id', { id: foreignTicket.id }).execute()
    } catch (e) {
      error = e
    }
    expect(error).to.be.instanceOf(TenantContextMissingError)
    expect(writesSent(db().logger)).to.deep.equal([])
  })
})
