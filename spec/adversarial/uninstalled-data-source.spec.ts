import { expect } from 'chai'
import { DataSource, type DataSourceOptions } from 'typeorm'
import { allowUnprotectedDataSource, runWithTenant, runWithoutTenant, TenancyNotInstalledError } from '../../lib'
import { CapturingLogger } from '../support/capturing-logger'
import { capturingLoggerFor, describeEachDialect } from '../support/test-database'
import { A, AdvNote, AdvTicket, adversarialEntities, B, seedAdversarial } from './adversarial-model'

/**
 * FIXED (was FINDING medium): the read wrappers throw TenancyNotInstalledError for a @TenantScoped entity on a
 * DataSource without installTenancy(), unless allowUnprotectedDataSource(ds) opted it out (tooling).
 * Original finding (careless developer): @TenantScoped entities on a DataSource that installTenancy was never
 * called on (a read-replica DataSource, a worker or script that builds its own DataSource, a test helper) are
 * queried with no filter at all, even inside runWithTenant, with no error: the decorator on the class looks
 * like protection but is silently ignored. getTenantRepository() refuses such a DataSource, but the ordinary
 * dataSource.getRepository(), manager and QueryBuilder do not.
 * Root cause: lib/query/query-builder-patch.ts returns early when `runtimeOf(dataSourceOf(this)) === undefined`
 * (and the write patches likewise). Proposed fix: in that early return, if the builder touches an entity with
 * a @TenantScoped declaration (findTenantScopedDeclaration(metadata.target)), throw TenancyNotInstalledError
 * ("SupportTicket is @TenantScoped but this DataSource has no installTenancy(); call installTenancy(ds), or
 * installTenancy(ds, { ... }) / an explicit opt-out for tooling DataSources") before any SQL is sent.
 */
describeEachDialect('adversarial: @TenantScoped entities on a DataSource without installTenancy', { entities: adversarialEntities }, (db) => {
  before(async () => {
    await seedAdversarial(db().dataSource)
  })

  // an in-memory SQLite database cannot be shared between DataSources: there the replica opens a copy of it
  const replicaOf = (logger: CapturingLogger): DataSource =>
    new DataSource({
      ...(db().dataSource.options as DataSourceOptions),
      ...(db().dataSource.options.type === 'sqljs' ? { database: (db().dataSource.driver as unknown as { export(): Uint8Array }).export() } : {}),
      synchronize: false,
      logging: true,
      logger,
    } as DataSourceOptions)

  it('B has rows; a second DataSource on the same database, never installed, refuses A\'s find() before any SQL', async () => {
    const all = await runWithoutTenant(() => db().dataSource.getRepository(AdvTicket).find())
    expect(all.map((t) => t.orgId)).to.include(B)

    const logger = capturingLoggerFor(db().dialect, db().dataSource.options)
    const replica = replicaOf(logger)
    await replica.initialize()
    try {
      logger.clear()
      for (const query of <Array<() => Promise<unknown>>>[
        () => replica.getRepository(AdvTicket).find(),
        () => replica.manager.count(AdvTicket),
        () => replica.createQueryBuilder(AdvTicket, 't').getRawMany(),
        () => replica.getRepository(AdvNote).createQueryBuilder('n').leftJoin('n.ticket', 't').select('t.title').getRawMany(),
        () => replica.createQueryBuilder().update(AdvTicket).set({ title: 'x' }).where('id > 0').execute(),
        () => replica.createQueryBuilder().delete().from(AdvTicket).where('id < 0').execute(),
        () => replica.createQueryBuilder().insert().into(AdvTicket).values({ orgId: B, title: 'forged' }).execute(),
        () => replica.getRepository(AdvTicket).insert({ orgId: B, title: 'forged' }),
      ]) {
        let error: unknown
        try {
          await runWithTenant(A, query)
        } catch (e) {
          error = e
        }
        expect(error, String(error)).to.be.instanceOf(TenancyNotInstalledError)
        expect(String(error)).to.match(/"Adv(Ticket|Note)" is @TenantScoped/).and.match(/installTenancy\(dataSource\)/)
      }
      // also outside any context (a script)
      let error: unknown
      try {
        await replica.getRepository(AdvTicket).find()
      } catch (e) {
        error = e
      }
      expect(error).to.be.instanceOf(TenancyNotInstalledError)
      expect(logger.statements.filter((s) => /adv_/.test(s.sql))).to.have.length(0)
    } finally {
      await replica.destroy()
    }
  })

  it('allowUnprotectedDataSource(ds) opts a tooling DataSource out: it reads every tenant, unscoped entities are never refused', async () => {
    const logger = capturingLoggerFor(db().dialect, db().dataSource.options)
    const tooling = replicaOf(logger)
    allowUnprotectedDataSource(tooling)
    await tooling.initialize()
    try {
      const rows = await tooling.getRepository(AdvTicket).find()
      expect(new Set(rows.map((t) => t.orgId))).to.deep.equal(new Set([A, B]))
    } finally {
      await tooling.destroy()
    }
  })
})
