import { expect } from 'chai'
import { Like, type DataSource } from 'typeorm'
import { runWithoutTenant } from '../../lib'
import { IsolationAssertionError, TestingKitError, expectIsolated, seedTenants } from '../../lib/testing'
import { describeEachDialect } from '../support/test-database'
import { KitBanner, KitEmptyNote, KitNote, KitReply, W1, W2, kitEntities } from './kit-model'

/** The quoted, schema-qualified table of an entity, for a deliberately raw (unfiltered) query. */
function table(dataSource: DataSource, entity: Function): string {
  return dataSource.getMetadata(entity).tablePath.split('.').map((part) => dataSource.driver.escape(part)).join('.')
}

async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  throw new Error('expected a failure, but the call passed')
}

describeEachDialect('typeorm-tenancy/testing: expectIsolated', { entities: kitEntities }, (db) => {
  before(async () => {
    const notes = await seedTenants(db().dataSource, KitNote, { tenants: [W1, W2], rows: (w) => [{ text: `first of ${w}` }, { text: `second of ${w}` }] })
    await seedTenants(db().dataSource, KitReply, {
      tenants: [W1, W2],
      rows: (w) => [{ body: `reply of ${w}`, note: notes.get(w)![0]! }],
    })
  })

  it('seedTenants stamped the tenant column: both workspaces own rows (checked without the filter)', async () => {
    const all = await runWithoutTenant(() => db().dataSource.getRepository(KitNote).find())
    expect(all.map((n) => n.workspaceId).sort()).to.deep.equal([W1, W1, W2, W2])
  })

  it('passes on a filtered find with relations, and the SQL sent carried each tenant', async () => {
    db().logger.clear()
    const report = await expectIsolated(db().dataSource, KitNote, (repo) => repo.find({ relations: { replies: true } }), { tenants: [W1, W2] })
    expect(report.runs.map((r) => [r.tenant, r.rows])).to.deep.equal([
      [W1, 3],
      [W2, 3],
    ])
    const finds = db().logger.statements.filter((q) => /FROM \S+ "KitNote"/.test(q.sql))
    expect(finds).to.have.length(2)
    finds.forEach((find, i) => {
      const tenant = String([W1, W2][i])
      const term = /"KitNote"\."workspaceId" = (?:\$(\d+)|(\d+))/.exec(find.sql)
      expect(term, find.sql).to.not.equal(null)
      expect(term![1] !== undefined ? String(find.parameters[Number(term![1]) - 1]) : term![2]).to.equal(tenant)
    })
  })

  it('passes with rows it seeds itself (option seed) and accepts a count', async () => {
    const report = await expectIsolated(db().dataSource, KitNote, (repo) => repo.count(), { tenants: [W1, W2], seed: (w) => [{ text: `seeded for ${w}` }] })
    expect(report.runs.map((r) => r.rows)).to.deep.equal([3, 3])
  })

  it('fails on a deliberately leaky raw query, naming the foreign rows, with a diff', async () => {
    const error = await failureOf(() =>
      expectIsolated(db().dataSource, KitNote, (repo) => repo.query(`SELECT * FROM ${table(db().dataSource, KitNote)}`), { tenants: [W1, W2] }),
    )
    expect(error).to.be.instanceOf(IsolationAssertionError)
    const failure = error as IsolationAssertionError
    expect(failure.message).to.match(new RegExp(`as tenant ${W1} the query returned 3 row\\(s\\) of another tenant`))
    expect(failure.message).to.include(`"workspaceId":${W2}`)
    expect(failure.showDiff).to.equal(true)
    expect((failure.actual as string[]).length).to.equal(6)
    expect((failure.expected as string[]).length).to.equal(3)
  })

  it('fails on a leaky count (more rows than the tenant owns)', async () => {
    const error = await failureOf(() =>
      expectIsolated(
        db().dataSource,
        KitNote,
        async (repo) => Number(((await repo.query(`SELECT COUNT(*) AS n FROM ${table(db().dataSource, KitNote)}`)) as Array<{ n: unknown }>)[0]!.n),
        { tenants: [W1, W2] },
      ),
    )
    expect(error).to.be.instanceOf(IsolationAssertionError)
    expect((error as Error).message).to.match(/counted 6 rows, but the tenant owns only 3/)
  })

  it('fails when the other tenant owns no row, so the check could not have failed', async () => {
    const error = await failureOf(() => expectIsolated(db().dataSource, KitEmptyNote, (repo) => repo.find(), { tenants: [W1, W2] }))
    expect(error).to.be.instanceOf(IsolationAssertionError)
    expect((error as Error).message).to.match(/owns no KitEmptyNote row, so the check could not fail/)
  })

  it('fails when the query returns nothing as either tenant, unless allowEmpty', async () => {
    const none = (repo: import('typeorm').Repository<KitNote>) => repo.findBy({ text: 'no such note' })
    const error = await failureOf(() => expectIsolated(db().dataSource, KitNote, none, { tenants: [W1, W2] }))
    expect((error as Error).message).to.match(/returned no row as either tenant/)
    await expectIsolated(db().dataSource, KitNote, none, { tenants: [W1, W2], allowEmpty: true })
  })

  describe('no false negative (eighth adversarial round)', () => {
    const raw = (sql: string) => (repo: import('typeorm').Repository<KitNote>) => repo.query(sql.replace('$T', table(db().dataSource, KitNote)))

    it("a leaky count that stays under the tenant's total is caught by the unfiltered count", async () => {
      const leaky = async (repo: import('typeorm').Repository<KitNote>) =>
        Number(((await raw(`SELECT COUNT(*) AS n FROM $T WHERE text LIKE 'first%'`)(repo)) as Array<{ n: unknown }>)[0]!.n)
      const error = await failureOf(() => expectIsolated(db().dataSource, KitNote, leaky, { tenants: [W1, W2] }))
      expect(error).to.be.instanceOf(IsolationAssertionError)
      expect((error as Error).message).to.match(/counted 2 and 2 .* 4 in all, but only 2 without any tenant filter/)
      // the same count through the filter passes (1 each, 2 in all)
      await expectIsolated(db().dataSource, KitNote, (repo) => repo.countBy({ text: Like('first%') }), { tenants: [W1, W2] })
    })

    it('a count returned as a string is checked like a number', async () => {
      const leaky = async (repo: import('typeorm').Repository<KitNote>) => String(((await raw(`SELECT COUNT(*) AS n FROM $T`)(repo)) as Array<{ n: unknown }>)[0]!.n)
      expect(await failureOf(() => expectIsolated(db().dataSource, KitNote, leaky, { tenants: [W1, W2] }))).to.be.instanceOf(IsolationAssertionError)
    })

    const leaks: Array<[string, (repo: import('typeorm').Repository<KitNote>) => Promise<unknown>]> = [
      ['raw rows nested in an object', async (repo) => ({ items: await raw('SELECT * FROM $T')(repo), mine: await repo.find() })],
      ['entities of every tenant in a Set', async (repo) => new Set(await runWithoutTenant(() => repo.find()))],
      ['entities of every tenant in a Map', async (repo) => new Map((await runWithoutTenant(() => repo.find())).map((n) => [n.id, n]))],
      ['raw rows without the tenant column (re-read by id)', raw('SELECT id, text FROM $T')],
    ]
    for (const [name, leak] of leaks) {
      it(`${name}: caught`, async () => {
        const error = await failureOf(() => expectIsolated(db().dataSource, KitNote, leak, { tenants: [W1, W2] }))
        expect(error, String(error)).to.be.instanceOf(IsolationAssertionError)
        expect((error as Error).message).to.match(/row\(s\) of another tenant/)
      })
    }

    it('rows whose tenant cannot be told (no tenant column, no primary key) fail the check', async () => {
      const error = await failureOf(() =>
        expectIsolated(db().dataSource, KitNote, (repo) => runWithoutTenant(() => repo.find({ select: { text: true } })), { tenants: [W1, W2] }),
      )
      expect(error).to.be.instanceOf(IsolationAssertionError)
      expect((error as Error).message).to.match(/cannot be told/)
    })
  })

  it('re-reads the tenant of rows loaded without their tenant column', async () => {
    const report = await expectIsolated(db().dataSource, KitNote, (repo) => repo.find({ select: { id: true, text: true } }), { tenants: [W1, W2] })
    expect(report.runs.map((r) => r.rows)).to.deep.equal([3, 3])
  })

  it('refuses an unscoped entity and two equal tenants with a TestingKitError', async () => {
    const unscoped = await failureOf(() => expectIsolated(db().dataSource, KitBanner, (repo) => repo.find(), { tenants: [W1, W2] }))
    expect(unscoped).to.be.instanceOf(TestingKitError)
    expect((unscoped as TestingKitError).code).to.equal('TENANCY_CONFIGURATION')
    expect((unscoped as Error).message).to.match(/"KitBanner" is not @TenantScoped/)
    const same = await failureOf(() => expectIsolated(db().dataSource, KitNote, (repo) => repo.find(), { tenants: [W1, String(W1)] }))
    expect(same).to.be.instanceOf(TestingKitError)
  })
})
