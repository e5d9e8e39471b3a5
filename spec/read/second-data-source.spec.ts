import { expect } from 'chai'
import { DataSource, type DataSourceOptions } from 'typeorm'
import { allowUnprotectedDataSource, installTenancy, runWithTenant, runWithoutTenant, TenancyNotInstalledError } from '../../lib'
import { A, B, SupportTicket, supportDeskEntities } from '../fixtures/support-desk-model'
import { seedSupportDesk } from '../fixtures/seed-support-desk'
import { expectNoTenantTerm, expectWhereTenant } from '../fixtures/sql-assertions'
import type { CapturingLogger } from '../support/capturing-logger'
import { capturingLoggerFor, describeEachDialect } from '../support/test-database'
import { tenancyOptions } from '../support/test-store'

describeEachDialect('a second DataSource created after installation', { entities: supportDeskEntities }, (db) => {
  const first = () => db().dataSource
  const others: DataSource[] = []
  const open = async (tenancy: boolean | 'allow-unprotected'): Promise<{ ds: DataSource; logger: CapturingLogger }> => {
    const logger = capturingLoggerFor(db().dialect, first().options)
    // the first DataSource's connection options (its schema or database); an in-memory SQLite database cannot
    // be shared between DataSources, so there the second one opens a copy of the first's (seeded) database
    const { logger: _logger, entities: _entities, synchronize: _synchronize, ...connection } = first().options
    const sqliteCopy = first().options.type === 'sqljs' ? { database: (first().driver as unknown as { export(): Uint8Array }).export() } : {}
    const ds = new DataSource({ ...connection, ...sqliteCopy, entities: supportDeskEntities, logging: true, logger } as DataSourceOptions)
    others.push(ds)
    if (tenancy === true) installTenancy(ds, tenancyOptions())
    if (tenancy === 'allow-unprotected') allowUnprotectedDataSource(ds)
    await ds.initialize()
    return { ds, logger }
  }

  before(async () => {
    await seedSupportDesk(first())
  })
  after(async () => {
    for (const ds of others) if (ds.isInitialized) await ds.destroy()
  })

  const checkFirstStillFiltered = async () => {
    const rows = await runWithTenant(A, () => first().getRepository(SupportTicket).find())
    expect(rows.map((t) => t.organizationId)).to.deep.equal([A, A])
    expectWhereTenant(db().logger.last(/FROM "[^"]*"\."support_ticket" "SupportTicket"/), 'SupportTicket', A)
    const comments = await runWithTenant(A, () => first().createQueryBuilder().relation(SupportTicket, 'comments').of(1).loadMany())
    expect(comments).to.have.length(1)
  }

  it('one without installTenancy refuses @TenantScoped entities before any SQL, and does not weaken the first', async () => {
    const { ds, logger } = await open(false)
    logger.clear()
    for (const query of [() => ds.getRepository(SupportTicket).find(), () => runWithTenant(A, () => ds.getRepository(SupportTicket).find())]) {
      let error: unknown
      try {
        await query()
      } catch (e) {
        error = e
      }
      expect(error, String(error)).to.be.instanceOf(TenancyNotInstalledError)
    }
    expect(logger.statements.filter((q) => /support_ticket/.test(q.sql))).to.have.length(0)
    await checkFirstStillFiltered()
  })

  it('one opted out with allowUnprotectedDataSource is untouched, and does not weaken the first', async () => {
    const { ds, logger } = await open('allow-unprotected')
    const all = await ds.getRepository(SupportTicket).find()
    expect(all.map((t) => t.organizationId)).to.include(B)
    const underA = await runWithTenant(A, () => ds.getRepository(SupportTicket).find())
    expect(underA).to.have.length(4)
    expectNoTenantTerm(logger.last(/FROM "[^"]*"\."support_ticket" "SupportTicket"/), 'SupportTicket')
    await checkFirstStillFiltered()
  })

  it('one with installTenancy is filtered on its own, and the first still is', async () => {
    const { ds, logger } = await open(true)
    expect(await runWithoutTenant(() => ds.getRepository(SupportTicket).count())).to.equal(4)
    const rows = await runWithTenant(B, () => ds.getRepository(SupportTicket).find())
    expect(rows.map((t) => t.organizationId)).to.deep.equal([B, B])
    expectWhereTenant(logger.last(/FROM "[^"]*"\."support_ticket" "SupportTicket"/), 'SupportTicket', B)
    await checkFirstStillFiltered()
  })
})
