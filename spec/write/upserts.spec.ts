import { expect } from 'chai'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant } from '../../lib'
import { runtimeOf } from '../../lib/install/runtime-registry'
import type { ScopedEntity } from '../../lib/metadata/scoped-entity'
import { upsertKeyedByTenant } from '../../lib/write/upsert-rule'
import { describeEachDialect } from '../support/test-database'
import { expectRefused, rawRows, tenantSnapshot, sqlRe, expectTenantSent } from './write-helpers'
import { A, B, WritePage, WriteSetting, writeEntities } from './write-model'

describeEachDialect('Writes: upserts never overwrite another tenant\'s row', { entities: writeEntities }, (db) => {
  let bSettings: string
  const settings = () => db().dataSource.getRepository(WriteSetting)
  const dialect = () => db().dialect.name

  before(async () => {
    await runWithoutTenant(() => settings().insert([{ code: 'theme', organizationId: B, value: 'B dark' }, { code: 'a-theme', organizationId: A, value: 'A light' }]))
    bSettings = await tenantSnapshot(db().dataSource, 'write_setting', B, 'code')
  })
  afterEach(async () => {
    expect(await tenantSnapshot(db().dataSource, 'write_setting', B, 'code')).to.equal(bSettings)
  })

  it('the other tenant owns the conflicting key (precondition)', async () => {
    const rows = await rawRows(db().dataSource, 'write_setting', 'code')
    expect(rows.find((r) => r['code'] === 'theme')?.['organizationId']).to.equal(B)
  })

  describe('on dialects whose DO UPDATE takes a WHERE (PostgreSQL, SQLite)', function () {
    before(function () {
      if (db().dialect.upsert !== 'on-conflict') this.skip() // MariaDB's ON DUPLICATE KEY UPDATE takes no WHERE
    })

    it('upsert() on a natural key of another tenant updates nothing; the SQL carries the tenant on DO UPDATE', async () => {
      db().logger.clear()
      await runWithTenant(A, () => settings().upsert({ code: 'theme', value: 'pwned' }, ['code']))
      const sent = db().logger.last(/^INSERT/)
      expect(sent.sql).to.match(sqlRe('ON CONFLICT \\( "code" \\) DO UPDATE SET .* WHERE .*"organizationId" = $P'))
      expectTenantSent(sent, A)
    })

    it('QueryBuilder orUpdate(), with a user condition and skipUpdateIfNoValuesChanged, keeps both conditions', async () => {
      db().logger.clear()
      await runWithTenant(A, async () => {
        await db().dataSource.createQueryBuilder().insert().into(WriteSetting).values({ code: 'theme', value: 'pwned' })
          .orUpdate(['value'], ['code'], { overwriteCondition: { where: '1=1 OR 1=1' } }).execute()
        await settings().upsert({ code: 'theme', value: 'pwned' }, { conflictPaths: ['code'], skipUpdateIfNoValuesChanged: true })
      })
      const [first, second] = db().logger.statements.filter((q) => /^INSERT/.test(q.sql))
      if (dialect() === 'postgres') {
        expect(first!.sql).to.match(sqlRe('WHERE .*"organizationId" = $P AND \\(1=1 OR 1=1\\)'))
        expect(second!.sql).to.match(sqlRe('WHERE .*"organizationId" = $P AND .*IS DISTINCT FROM'))
      } else {
        // TypeORM writes no overwriteCondition on SQLite; the plugin adds the tenant condition itself
        expect(first!.sql).to.match(sqlRe('DO UPDATE SET .* WHERE "write_setting"\\."organizationId" = $P$'))
        expect(second!.sql).to.match(sqlRe('DO UPDATE SET .* WHERE "write_setting"\\."organizationId" = $P$'))
      }
    })

    it('upsert() of the own tenant\'s row still updates it, and inserts a new one stamped', async () => {
      await runWithTenant(A, async () => {
        await settings().upsert({ code: 'a-theme', value: 'A dark' }, ['code'])
        await settings().upsert([{ code: 'a-new', value: 'A new' }], ['code'])
      })
      const rows = await rawRows(db().dataSource, 'write_setting', 'code')
      expect(rows.filter((r) => r['organizationId'] === A).map((r) => [r['code'], r['value']])).to.deep.equal([['a-new', 'A new'], ['a-theme', 'A dark']])
    })

    it('an upsert with a per-tenant unique key (conflict target includes the tenant) works', async () => {
      const pages = db().dataSource.getRepository(WritePage)
      await runWithoutTenant(() => pages.insert({ organizationId: B, slug: 'home', body: 'B home' }))
      await runWithTenant(A, () => pages.upsert({ slug: 'home', body: 'A home' }, ['organizationId', 'slug']))
      await runWithTenant(A, () => pages.upsert({ slug: 'home', body: 'A home 2' }, ['organizationId', 'slug']))
      const rows = (await rawRows(db().dataSource, 'write_page')).map((r) => [r['organizationId'], r['body']])
      expect(rows).to.deep.equal([[B, 'B home'], [A, 'A home 2']])
    })
  })

  it('an upsert naming another tenant is refused', async () => {
    await expectRefused(db().logger, () => runWithTenant(A, () => settings().upsert({ code: 'theme', organizationId: B, value: 'pwned' }, ['code'])))
  })

  it('orIgnore() is allowed and never overwrites', async () => {
    await runWithTenant(A, () => db().dataSource.createQueryBuilder().insert().into(WriteSetting).values({ code: 'theme', value: 'pwned' }).orIgnore().execute())
  })

  it('a raw onConflict() clause (0.3 only) is refused', async function () {
    const qb = db().dataSource.createQueryBuilder().insert().into(WriteSetting).values({ code: 'theme', value: 'pwned' }) as unknown as { onConflict?: (s: string) => { execute(): Promise<unknown> } }
    if (typeof qb.onConflict !== 'function') this.skip()
    await expectRefused(db().logger, () => runWithTenant(A, () => qb.onConflict!('("code") DO UPDATE SET "value" = \'pwned\'').execute()))
  })

  describe('the MySQL/MariaDB rule (ON DUPLICATE KEY UPDATE takes no WHERE)', () => {
    const scopeOf = (target: Function): ScopedEntity => {
      const ds = db().dataSource
      return runtimeOf(ds)!.entityScopeOf(ds.getMetadata(target))!
    }

    it('refuses a conflict target without the tenant column', () => {
      expect(upsertKeyedByTenant(scopeOf(WriteSetting), ['code'], [{ code: 'theme', organizationId: A }])).to.equal(false)
      expect(upsertKeyedByTenant(scopeOf(WritePage), ['slug'], [{ slug: 'home', organizationId: A }])).to.equal(false)
      expect(upsertKeyedByTenant(scopeOf(WritePage), undefined, [{ slug: 'home', organizationId: A }])).to.equal(false)
    })

    it('refuses a row that can collide on a unique key without the tenant column (here: an explicit primary key)', () => {
      expect(upsertKeyedByTenant(scopeOf(WritePage), ['organizationId', 'slug'], [{ id: 7, slug: 'home', organizationId: A }])).to.equal(false)
      expect(upsertKeyedByTenant(scopeOf(WriteSetting), ['organizationId', 'code'], [{ code: 'theme', organizationId: A }])).to.equal(false)
    })

    it('accepts a conflict target and unique keys that include the tenant column', () => {
      expect(upsertKeyedByTenant(scopeOf(WritePage), ['organizationId', 'slug'], [{ slug: 'home', organizationId: A }])).to.equal(true)
    })

    it('is enforced on MySQL/MariaDB runs with CrossTenantWriteError', async function () {
      if (db().dialect.upsert !== 'on-duplicate-key') this.skip() // only ON DUPLICATE KEY UPDATE needs the refusal
      const error = await expectRefused(db().logger, () => runWithTenant(A, () => settings().upsert({ code: 'theme', value: 'pwned' }, ['code'])))
      expect(error).to.be.instanceOf(CrossTenantWriteError)
      expect(error.message).to.include('ON DUPLICATE KEY UPDATE')
      const pages = db().dataSource.getRepository(WritePage)
      await runWithoutTenant(() => pages.insert({ organizationId: B, slug: 'mysql-home', body: 'B home' }))
      await runWithTenant(A, () => pages.upsert({ slug: 'mysql-home', body: 'A home' }, ['organizationId', 'slug']))
      await runWithTenant(A, () => pages.upsert({ slug: 'mysql-home', body: 'A home 2' }, ['organizationId', 'slug']))
      const rows = (await rawRows(db().dataSource, 'write_page')).filter((r) => r['slug'] === 'mysql-home').map((r) => [r['organizationId'], r['body']])
      expect(rows).to.deep.equal([[B, 'B home'], [A, 'A home 2']])
    })
  })
})
