import { expect } from 'chai'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { A, AdvNote, adversarialEntities, seedAdversarial } from './adversarial-model'

/**
 * FIXED (was FINDING, low, fails closed, no leak): a raw SQL value (a function) for a many-to-one foreign key column of
 * a scoped entity, as `increment()` produces and as QueryBuilder `set({ ticketId: () => '...' })` /
 * `values({ ticketId: () => '...' })` allow, reaches the write guard's reference check, which binds it as a
 * query parameter: TypeORM throws a plain TypeORMError ("Function parameter isn't supported in the
 * parameters"). Nothing is written, but the error is not a TenancyError and does not say what to do; and
 * `increment({...}, 'ticketId', 1)` on an entity's own foreign key can never work.
 * Fix (lib/write/owned-rows.ts assertPlainValues): a function value for a foreign key to a scoped entity is
 * refused with CrossTenantWriteError.opaqueReference ("sets ticketId, a foreign key to ..., with a raw SQL
 * expression ... which the plugin cannot check"), before any SQL is sent.
 */
describeEachDialect('adversarial: a raw SQL value for a foreign key to a scoped entity', { entities: adversarialEntities }, (db) => {
  let bTicket: number
  before(async () => {
    bTicket = (await seedAdversarial(db().dataSource)).b[0]!.id
  })

  const notes = (): Promise<unknown> =>
    runWithoutTenant(() => db().dataSource.query(`SELECT * FROM ${db().dataSource.getMetadata(AdvNote).tablePath.split('.').map((p) => db().dataSource.driver.escape(p)).join('.')} ORDER BY id`))

  for (const [label, write] of [
    ['QueryBuilder set()', () => db().dataSource.createQueryBuilder().update(AdvNote).set({ ticketId: () => String(bTicket) }).where('body = :b', { b: 'A note' }).execute()],
    ['QueryBuilder values()', () => db().dataSource.createQueryBuilder().insert().into(AdvNote).values({ body: 'x', ticketId: () => String(bTicket) }).execute()],
    ['increment()', () => db().dataSource.getRepository(AdvNote).increment({ body: 'A note' }, 'ticketId', 1)],
  ] as const) {
    it(`${label}: refused with CrossTenantWriteError, nothing written`, async () => {
      const before = JSON.stringify(await notes())
      db().logger.clear()
      let error: unknown
      try {
        await runWithTenant(A, write)
      } catch (e) {
        error = e
      }
      const sent = db().logger.statements.map((q) => q.sql)
      expect(JSON.stringify(await notes())).to.equal(before)
      expect(error, String(error)).to.be.instanceOf(CrossTenantWriteError)
      expect((error as Error).message).to.include('ticketId').and.to.include('"AdvTicket"').and.to.include('raw SQL expression')
      expect(sent, 'no SQL may be sent').to.deep.equal([])
    })
  }
})
