import { expect } from 'chai'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant, TenantContextMissingError } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { expectRefused, rawRows, tenantSnapshot, writesSent, sqlRe } from './write-helpers'
import { A, B, WriteComment, WriteDocument, WriteLabel, WriteTicket, writeEntities } from './write-model'

describeEachDialect('Writes: inserts are stamped, forged tenants refused', { entities: writeEntities }, (db) => {
  let foreignTicket: WriteTicket
  let bSnapshot: string

  before(async () => {
    foreignTicket = await runWithoutTenant(() => db().dataSource.getRepository(WriteTicket).save({ organizationId: B, title: 'B secret' }))
    bSnapshot = await tenantSnapshot(db().dataSource, 'write_ticket', B)
  })

  afterEach(async () => {
    // the other tenant's rows are byte-for-byte unchanged after every test
    expect(await tenantSnapshot(db().dataSource, 'write_ticket', B)).to.equal(bSnapshot)
  })

  const repo = () => db().dataSource.getRepository(WriteTicket)
  const rowsOf = async (title: string) => (await rawRows(db().dataSource, 'write_ticket')).filter((r) => r['title'] === title)

  it('the other tenant has rows (precondition)', async () => {
    const rows = await rawRows(db().dataSource, 'write_ticket')
    expect(rows.some((r) => r['organizationId'] === B)).to.equal(true)
  })

  it('save() stamps the row and the caller\'s object with the current tenant', async () => {
    db().logger.clear()
    const ticket = repo().create({ title: 'save-stamped' })
    await runWithTenant(A, () => repo().save(ticket))
    expect(ticket.organizationId).to.equal(A)
    const sent = db().logger.last(/^INSERT INTO .*"write_ticket"/)
    expect(sent.sql).to.match(/"organizationId"/)
    if (db().dialect.name !== 'sqlite') expect(sent.parameters).to.include(A)
    expect((await rowsOf('save-stamped')).map((r) => r['organizationId'])).to.deep.equal([A])
  })

  it('save(x, { listeners: false }) and a string tenant id are stamped too', async () => {
    await runWithTenant(A, () => repo().save({ title: 'save-no-listeners' }, { listeners: false }))
    await runWithTenant(String(A), () => repo().save({ title: 'save-string-tenant' }))
    expect((await rowsOf('save-no-listeners')).map((r) => r['organizationId'])).to.deep.equal([A])
    expect((await rowsOf('save-string-tenant')).map((r) => r['organizationId'])).to.deep.equal([A])
  })

  it('insert() with one and many rows is stamped', async () => {
    await runWithTenant(A, async () => {
      await repo().insert({ title: 'insert-one' })
      await repo().insert([{ title: 'insert-many' }, { title: 'insert-many' }])
    })
    expect((await rowsOf('insert-one')).map((r) => r['organizationId'])).to.deep.equal([A])
    expect((await rowsOf('insert-many')).map((r) => r['organizationId'])).to.deep.equal([A, A])
  })

  it('QueryBuilder insert().values() with one and many rows, and callListeners(false), is stamped', async () => {
    db().logger.clear()
    await runWithTenant(A, async () => {
      await db().dataSource.createQueryBuilder().insert().into(WriteTicket).values({ title: 'qb-one' }).execute()
      await db().dataSource.manager.createQueryBuilder(WriteTicket, 't').insert().values([{ title: 'qb-many' }, { title: 'qb-many' }]).callListeners(false).execute()
    })
    expect(writesSent(db().logger).every((sql) => sql.includes('"organizationId"'))).to.equal(true)
    expect((await rowsOf('qb-one')).map((r) => r['organizationId'])).to.deep.equal([A])
    expect((await rowsOf('qb-many')).map((r) => r['organizationId'])).to.deep.equal([A, A])
  })

  it('inserts inside a transaction and through a QueryRunner\'s manager are stamped', async () => {
    await runWithTenant(A, () => db().dataSource.transaction((m) => m.save(WriteTicket, { title: 'in-transaction' })))
    const runner = db().dataSource.createQueryRunner()
    try {
      await runWithTenant(A, () => runner.manager.insert(WriteTicket, { title: 'query-runner' }))
    } finally {
      await runner.release()
    }
    expect((await rowsOf('in-transaction')).map((r) => r['organizationId'])).to.deep.equal([A])
    expect((await rowsOf('query-runner')).map((r) => r['organizationId'])).to.deep.equal([A])
  })

  it('cascaded inserts of related scoped entities are stamped', async () => {
    const saved = await runWithTenant(A, () =>
      repo().save({ title: 'cascade-parent', comments: [{ body: 'cascade-comment' }], labels: [{ name: 'cascade-label' }] } as Partial<WriteTicket>),
    )
    const comments = (await rawRows(db().dataSource, 'write_comment')).filter((r) => r['body'] === 'cascade-comment')
    const labels = (await rawRows(db().dataSource, 'write_label')).filter((r) => r['name'] === 'cascade-label')
    expect(comments.map((r) => [r['organizationId'], r['ticketId']])).to.deep.equal([[A, saved.id]])
    expect(labels.map((r) => r['organizationId'])).to.deep.equal([A])
  })

  describe('refused before any SQL, nothing of the batch written', () => {
    const forged: Array<[string, () => Promise<unknown>]> = [
      ['save()', () => repo().save({ title: 'forged', organizationId: B })],
      ['save() of many, one forged', () => repo().save([{ title: 'forged' }, { title: 'forged', organizationId: B }])],
      ['save() without a transaction, the forged one last', () => repo().save([{ title: 'forged' }, { title: 'forged', organizationId: B }], { transaction: false })],
      ['insert()', () => repo().insert({ title: 'forged', organizationId: B })],
      ['insert() of many, one forged', () => repo().insert([{ title: 'forged' }, { title: 'forged', organizationId: B }])],
      ['QueryBuilder values()', () => db().dataSource.createQueryBuilder().insert().into(WriteTicket).values([{ title: 'forged' }, { title: 'forged', organizationId: B }]).execute()],
      ['QueryBuilder values() with listeners off', () => db().dataSource.createQueryBuilder().insert().into(WriteTicket).values({ title: 'forged', organizationId: B }).callListeners(false).execute()],
      ['a raw SQL tenant value', () => db().dataSource.createQueryBuilder().insert().into(WriteTicket).values({ title: 'forged', organizationId: () => String(B) }).execute()],
      ['a cascaded child with a forged tenant', () => repo().save({ title: 'forged', comments: [{ body: 'forged', organizationId: B }] } as Partial<WriteTicket>)],
      ['a cascaded child without a transaction', () => repo().save({ title: 'forged', comments: [{ body: 'forged', organizationId: B }] } as Partial<WriteTicket>, { transaction: false })],
      ['a transaction', () => db().dataSource.transaction((m) => m.insert(WriteTicket, { title: 'forged', organizationId: B }))],
    ]
    for (const [name, write] of forged) {
      it(`${name} naming another tenant`, async () => {
        const error = await expectRefused(db().logger, () => runWithTenant(A, write))
        expect((error as CrossTenantWriteError).entity).to.match(/^Write(Ticket|Comment)$/)
        expect(await rowsOf('forged')).to.deep.equal([])
        expect((await rawRows(db().dataSource, 'write_comment')).filter((r) => r['body'] === 'forged')).to.deep.equal([])
      })
    }

    it('save() of an entity loaded under another tenant (the snapshot finds nothing)', async () => {
      const loaded = await runWithTenant(B, () => repo().findOneByOrFail({ id: foreignTicket.id }))
      loaded.title = 'forged'
      const error = await expectRefused(db().logger, () => runWithTenant(A, () => repo().save(loaded)))
      expect(error.message).to.include('WriteTicket')
      const snapshot = db().logger.last(/SELECT/)
      expect(snapshot.sql).to.match(sqlRe('"organizationId" = $P'))
      expect(await rowsOf('forged')).to.deep.equal([])
    })

    it('save() naming a foreign id and a missing id fail alike, revealing nothing', async () => {
      const foreign = await expectRefused(db().logger, () => runWithTenant(A, () => repo().save({ id: foreignTicket.id, title: 'forged' })))
      const missing = await expectRefused(db().logger, () => runWithTenant(A, () => repo().save({ id: 987654, title: 'forged' })))
      expect(foreign.message).to.equal(missing.message)
      expect(await rowsOf('forged')).to.deep.equal([])
    })

    it('INSERT ... SELECT (1.x valuesFromSelect) cannot be checked row by row and is refused', async function () {
      const qb = db().dataSource.createQueryBuilder().insert().into(WriteTicket, ['title', 'organizationId']) as unknown as {
        valuesFromSelect?: (select: unknown) => { execute(): Promise<unknown> }
      }
      if (typeof qb.valuesFromSelect !== 'function') this.skip()
      const select = db().dataSource.createQueryBuilder(WriteTicket, 'src').select("'forged'").addSelect(String(B))
      await expectRefused(db().logger, () => runWithTenant(A, () => qb.valuesFromSelect!(select).execute()))
    })

    it('with no tenant and no bypass: TenantContextMissingError and no SQL at all', async () => {
      db().logger.clear()
      for (const write of [() => repo().insert({ title: 'forged' }), () => db().dataSource.createQueryBuilder().insert().into(WriteTicket).values({ title: 'forged' }).execute()]) {
        let error: unknown
        try {
          await write()
        } catch (e) {
          error = e
        }
        expect(error).to.be.instanceOf(TenantContextMissingError)
      }
      expect(db().logger.statements).to.deep.equal([])
    })
  })

  it('inside runWithoutTenant inserts are neither stamped nor checked', async () => {
    await runWithoutTenant(() => repo().insert({ title: 'bypass-b', organizationId: B }))
    let error: unknown
    try {
      await runWithoutTenant(() => repo().insert({ title: 'bypass-empty' }))
    } catch (e) {
      error = e
    }
    expect(error, 'an empty tenant column is not stamped under the bypass').to.be.instanceOf(Error)
    expect((await rowsOf('bypass-b')).map((r) => r['organizationId'])).to.deep.equal([B])
    await runWithoutTenant(() => repo().delete({ title: 'bypass-b' }))
  })

  it('save() of a new row with an app-assigned UUID key is inserted and stamped', async () => {
    const id = '0b5c7c52-5d8e-4f4b-9a57-0d6f1c2b7e11'
    const saved = await runWithTenant(A, () => db().dataSource.getRepository(WriteDocument).save({ id, name: 'doc' }))
    expect([saved.id, saved.organizationId]).to.deep.equal([id, A])
    const rows = await rawRows(db().dataSource, 'write_document')
    expect(rows.map((r) => [r['id'], r['organizationId']])).to.deep.equal([[id, A]])
  })

  it('leaves many-to-many links of the cascade to the current tenant', async () => {
    const label = await runWithTenant(A, () => db().dataSource.getRepository(WriteLabel).save({ name: 'own-label' }))
    expect(label.organizationId).to.equal(A)
    const comment = await runWithTenant(A, () => db().dataSource.getRepository(WriteComment).save({ body: 'loose' }))
    expect(comment.organizationId).to.equal(A)
  })
})
