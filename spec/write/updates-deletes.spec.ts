import { expect } from 'chai'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant, TenantContextMissingError } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { expectRefused, rawRows, tenantSnapshot, writesSent, sqlRe, expectTenantSent } from './write-helpers'
import { A, B, WriteNotice, WriteTicket, writeEntities } from './write-model'

describeEachDialect('Writes: updates and deletes are scoped, tenant changes refused', { entities: writeEntities }, (db) => {
  let own: WriteTicket
  let foreign: WriteTicket
  let foreignDeleted: WriteTicket
  let bSnapshot: string

  const repo = () => db().dataSource.getRepository(WriteTicket)
  const TENANT_CONDITION = sqlRe('"organizationId" = $P')

  before(async () => {
    await runWithoutTenant(async () => {
      own = await repo().save({ organizationId: A, title: 'A own', priority: 1 })
      foreign = await repo().save({ organizationId: B, title: 'B secret', priority: 1 })
      foreignDeleted = await repo().save({ organizationId: B, title: 'B deleted', priority: 1 })
      await repo().softDelete(foreignDeleted.id)
    })
    bSnapshot = await tenantSnapshot(db().dataSource, 'write_ticket', B)
  })

  afterEach(async () => {
    expect(await tenantSnapshot(db().dataSource, 'write_ticket', B), 'the other tenant\'s rows must be byte-for-byte unchanged').to.equal(bSnapshot)
  })

  it('the other tenant has rows, one of them soft-deleted (precondition)', async () => {
    const rows = (await rawRows(db().dataSource, 'write_ticket')).filter((r) => r['organizationId'] === B)
    expect(rows).to.have.length(2)
    expect(rows.some((r) => r['deletedAt'] !== null)).to.equal(true)
  })

  describe('a foreign id behaves exactly like a missing id', () => {
    const missing = 987654
    const cases: Array<[string, (id: number) => Promise<unknown>, RegExp]> = [
      ['update(id)', (id) => repo().update(id, { title: 'pwned' }), /^UPDATE/],
      ['update(criteria)', (id) => repo().update({ id }, { title: 'pwned' }), /^UPDATE/],
      ['increment', (id) => repo().increment({ id }, 'priority', 5), /^UPDATE/],
      ['decrement', (id) => repo().decrement({ id }, 'priority', 5), /^UPDATE/],
      ['delete', (id) => repo().delete(id), /^DELETE/],
      ['softDelete', (id) => repo().softDelete(id), /^UPDATE/],
      ['restore', (id) => repo().restore(id === foreign.id ? foreignDeleted.id : id), /^UPDATE/],
      ['QueryBuilder update with orWhere', (id) => repo().createQueryBuilder().update().set({ title: 'pwned' }).where('id = :id', { id }).orWhere('1=1 AND id = :id', { id }).execute(), /^UPDATE/],
      ['QueryBuilder delete with orWhere', (id) => db().dataSource.createQueryBuilder().delete().from(WriteTicket).where('id = :id', { id }).orWhere('id = :id').execute(), /^DELETE/],
      ['QueryBuilder softDelete', (id) => repo().createQueryBuilder().softDelete().where('id = :id', { id }).execute(), /^UPDATE/],
      ['QueryBuilder restore', (id) => repo().createQueryBuilder().restore().where('id = :id', { id: id === foreign.id ? foreignDeleted.id : id }).execute(), /^UPDATE/],
    ]
    for (const [name, write, statement] of cases) {
      it(`${name}: nothing changed, same result as a missing id, tenant condition in the SQL`, async () => {
        db().logger.clear()
        const onForeign = (await runWithTenant(A, () => write(foreign.id))) as { affected?: number }
        const sent = db().logger.last(statement)
        expect(sent.sql).to.match(TENANT_CONDITION)
        expectTenantSent(sent, A)
        const onMissing = (await runWithTenant(A, () => write(missing))) as { affected?: number }
        expect(onForeign.affected).to.equal(0)
        expect(onMissing.affected).to.equal(0)
      })
    }

    it('remove, softRemove and recover of a foreign entity change nothing', async () => {
      const loaded = await runWithTenant(B, () => repo().findOneByOrFail({ id: foreign.id }))
      db().logger.clear()
      await runWithTenant(A, async () => {
        await repo().remove(repo().create({ ...loaded }))
        await repo().softRemove(repo().create({ ...loaded }))
        await repo().recover(repo().create({ ...loaded }))
      })
      for (const sql of writesSent(db().logger)) expect(sql).to.match(TENANT_CONDITION)
    })
  })

  it('updates and deletes of the own tenant still work, with the tenant condition', async () => {
    db().logger.clear()
    await runWithTenant(A, async () => {
      const loaded = await repo().findOneByOrFail({ id: own.id })
      loaded.title = 'A own, saved'
      await repo().save(loaded)
      await repo().increment({ id: own.id }, 'priority', 1)
    })
    const updates = writesSent(db().logger)
    expect(updates).to.have.length(2)
    for (const sql of updates) expect(sql).to.match(TENANT_CONDITION)
    const row = (await rawRows(db().dataSource, 'write_ticket')).find((r) => r['id'] === own.id)!
    expect([row['title'], row['priority']]).to.deep.equal(['A own, saved', 2])
  })

  it('a criteria update matching every tenant changes only the current tenant\'s rows', async () => {
    const result = await runWithTenant(A, () => repo().update({ priority: 2 }, { priority: 2 }))
    expect(result.affected).to.equal(1)
    const all = await runWithTenant(A, () => repo().createQueryBuilder().update().set({ priority: 2 }).execute())
    expect(all.affected).to.equal(1)
    expect(db().logger.last(/^UPDATE/).sql).to.match(sqlRe('WHERE "organizationId" = $P'))
  })

  describe('changing the tenant column is refused', () => {
    it('save() of an own entity with another organizationId', async () => {
      const loaded = await runWithTenant(A, () => repo().findOneByOrFail({ id: own.id }))
      loaded.organizationId = B
      const error = await expectRefused(db().logger, () => runWithTenant(A, () => repo().save(loaded)))
      expect(error.message).to.include('organizationId')
    })

    it('update(criteria, { organizationId })', async () => {
      await expectRefused(db().logger, () => runWithTenant(A, () => repo().update({ id: own.id }, { organizationId: B })))
      await expectRefused(db().logger, () => runWithTenant(A, () => repo().update({ id: own.id }, { organizationId: () => String(B) } as never)))
    })

    it('QueryBuilder set({ organizationId })', async () => {
      await expectRefused(db().logger, () => runWithTenant(A, () => repo().createQueryBuilder().update().set({ organizationId: B }).where({ id: own.id }).execute()))
      await expectRefused(db().logger, () => runWithTenant(A, () => db().dataSource.createQueryBuilder().update(WriteTicket).set({ organizationId: B }).execute()))
    })

    it('setting it to the current tenant is allowed', async () => {
      const result = await runWithTenant(A, () => repo().update({ id: own.id }, { organizationId: A }))
      expect(result.affected).to.equal(1)
    })

    it('the row stayed with its tenant', async () => {
      const row = (await rawRows(db().dataSource, 'write_ticket')).find((r) => r['id'] === own.id)!
      expect(row['organizationId']).to.equal(A)
    })
  })

  describe('shared rows (NULL tenant) are read-only for tenants', () => {
    let shared: WriteNotice
    let sharedSnapshot: string
    const notices = () => db().dataSource.getRepository(WriteNotice)

    before(async () => {
      shared = await runWithoutTenant(() => notices().save({ organizationId: null, text: 'shared notice' }))
      sharedSnapshot = JSON.stringify(await rawRows(db().dataSource, 'write_notice'))
    })
    afterEach(async () => {
      expect(JSON.stringify(await rawRows(db().dataSource, 'write_notice'))).to.equal(sharedSnapshot)
    })

    it('a tenant reads the shared row (precondition)', async () => {
      const seen = await runWithTenant(A, () => notices().findOneBy({ id: shared.id }))
      expect(seen?.text).to.equal('shared notice')
    })

    it('update, delete, softDelete-free writes by criteria skip it, with IS NOT NULL in the SQL', async () => {
      db().logger.clear()
      const updated = await runWithTenant(A, () => notices().update({ id: shared.id }, { text: 'pwned' }))
      const deleted = await runWithTenant(A, () => notices().delete({ id: shared.id }))
      expect([updated.affected, deleted.affected]).to.deep.equal([0, 0])
      for (const sql of writesSent(db().logger)) expect(sql).to.match(sqlRe('"organizationId" IS NOT NULL'))
    })

    it('save() or remove() of a loaded shared row is refused', async () => {
      const loaded = await runWithTenant(A, () => notices().findOneByOrFail({ id: shared.id }))
      loaded.text = 'pwned'
      await expectRefused(db().logger, () => runWithTenant(A, () => notices().save(loaded)))
      await expectRefused(db().logger, () => runWithTenant(A, () => notices().remove(loaded)))
    })

    it('inserting a shared row (explicit NULL tenant) is refused; an empty one is stamped', async () => {
      await expectRefused(db().logger, () => runWithTenant(A, () => notices().insert({ organizationId: null, text: 'pwned' })))
      const created = await runWithTenant(A, () => notices().save({ text: 'own notice' }))
      expect(created.organizationId).to.equal(A)
      await runWithoutTenant(() => notices().delete(created.id))
    })
  })

  it('with no tenant and no bypass: TenantContextMissingError and no SQL', async () => {
    db().logger.clear()
    for (const write of [() => repo().update(own.id, { title: 'x' }), () => repo().delete(own.id), () => repo().softDelete(own.id)]) {
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

  it('inside runWithoutTenant, updates are not scoped or checked (the documented bypass)', async () => {
    db().logger.clear()
    await runWithoutTenant(() => repo().update({ id: own.id }, { organizationId: A, title: 'A own, saved' }))
    expect(db().logger.last(/^UPDATE/).sql).not.to.match(sqlRe('WHERE.*"organizationId"'))
  })

  it('CrossTenantWriteError is a typed error with a code', async () => {
    const error = await expectRefused(db().logger, () => runWithTenant(A, () => repo().update({ id: own.id }, { organizationId: B })))
    expect((error as CrossTenantWriteError).code).to.equal('CROSS_TENANT_WRITE')
  })
})
