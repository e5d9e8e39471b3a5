import { expect } from 'chai'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant } from '../../lib'
import { runtimeOf } from '../../lib/install/runtime-registry'
import type { ScopedEntity } from '../../lib/metadata/scoped-entity'
import type { DatabaseUniqueKey } from '../../lib/write/database-unique-keys'
import { databaseKeyWithoutTenant, upsertKeyedByTenant } from '../../lib/write/upsert-rule'
import type { DialectCapturingLogger } from '../support/dialects/dialect-capturing-logger'
import { describeEachDialect, tablePath } from '../support/test-database'
import { expectRefused, rawRows, tenantSnapshot, sqlRe, expectTenantSent } from './write-helpers'
import { A, B, WritePage, WriteSetting, WriteSlotSetting, WriteSlugPage, upsertEntities, writeEntities } from './write-model'

describeEachDialect('Writes: upserts never overwrite another tenant\'s row', { entities: [...writeEntities, ...upsertEntities] }, (db) => {
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

    it('over the real table\'s indexes: only a generated primary key no row sets may lack the tenant column', () => {
      const key = (name: string, ...columns: Array<string | null>): DatabaseUniqueKey => ({ name, parts: columns.map((column) => ({ column, prefixLength: null })) })
      const primary = key('PRIMARY', 'id')
      const perTenant = key('UQ_page', 'ORGANIZATIONID', 'slug') // MySQL column names are case-insensitive
      const prefixed: DatabaseUniqueKey = { name: 'uq_prefix', parts: [{ column: 'organizationId', prefixLength: 3 }, { column: 'slug', prefixLength: null }] }
      const rows = [{ slug: 'home', organizationId: A }]
      expect(databaseKeyWithoutTenant(scopeOf(WritePage), [primary, perTenant], rows)).to.equal(undefined)
      expect(databaseKeyWithoutTenant(scopeOf(WritePage), [primary, perTenant], [{ id: 7, slug: 'home' }])).to.equal(primary)
      expect(databaseKeyWithoutTenant(scopeOf(WritePage), [perTenant, prefixed], rows)).to.equal(prefixed)
      expect(databaseKeyWithoutTenant(scopeOf(WritePage), [key('uq_fn', null)], rows)?.name).to.equal('uq_fn') // a functional key part
      // a key whose columns the rows leave out still collides (DEFAULT, triggers); an app-assigned primary key too
      expect(databaseKeyWithoutTenant(scopeOf(WritePage), [key('uq_body', 'body')], rows)?.name).to.equal('uq_body')
      expect(databaseKeyWithoutTenant(scopeOf(WriteSetting), [key('PRIMARY', 'code')], [{ value: 'x' }])?.name).to.equal('PRIMARY')
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

  describe('MySQL/MariaDB: every unique index of the real table is checked before the upsert is sent', function () {
    const slugPages = () => db().dataSource.getRepository(WriteSlugPage)
    const ddl = (sql: string) => runWithoutTenant(() => db().dataSource.query(sql))
    const table = (name: string) => tablePath(db().dataSource, name)
    const bRow = async (tableName: string, order = 'id') => JSON.parse(await tenantSnapshot(db().dataSource, tableName, B, order)) as Array<Record<string, unknown>>

    before(function () {
      if (db().dialect.upsert !== 'on-duplicate-key') this.skip() // ON CONFLICT ... DO UPDATE carries the tenant condition instead
    })

    it('a unique index only a migration created (not declared on the entity) without the tenant column: refused before the INSERT, B unchanged', async () => {
      await ddl(`CREATE UNIQUE INDEX uq_slug_page_public_slug ON ${table('write_slug_page')} (publicSlug)`)
      try {
        await runWithoutTenant(() => slugPages().insert({ organizationId: B, path: '/about', publicSlug: 'acme-about', body: 'B body', note: 'B internal note' }))
        expect((await bRow('write_slug_page')).map((r) => [r['publicSlug'], r['note']])).to.deep.equal([['acme-about', 'B internal note']])
        const before = await tenantSnapshot(db().dataSource, 'write_slug_page', B)
        // the entity's own keys are all per tenant, so the declared rule alone would accept it
        expect(upsertKeyedByTenant(runtimeOf(db().dataSource)!.entityScopeOf(db().dataSource.getMetadata(WriteSlugPage))!, ['organizationId', 'path'], [{ path: '/home', publicSlug: 'acme-about', organizationId: A }])).to.equal(true)

        const error = await expectRefused(db().logger, () =>
          runWithTenant(A, () => slugPages().upsert({ path: '/home', publicSlug: 'acme-about', body: 'A body' }, ['organizationId', 'path'])))
        expect(error.message).to.include('unique index uq_slug_page_public_slug (publicSlug)').and.include('does not include organizationId')
        expect(db().logger.statements.map((q) => q.sql), 'the indexes were read from the database').to.satisfy((sql: string[]) => sql.some((q) => /information_schema\.STATISTICS/.test(q)))
        expect(await tenantSnapshot(db().dataSource, 'write_slug_page', B)).to.equal(before)
        expect((await rawRows(db().dataSource, 'write_slug_page')).filter((r) => r['organizationId'] === A)).to.deep.equal([])
      } finally {
        await ddl(`DROP INDEX uq_slug_page_public_slug ON ${table('write_slug_page')}`)
      }
    })

    it('a declared unique column with a DEFAULT, left out of the row, collides on the default: refused, B unchanged', async () => {
      const slots = db().dataSource.getRepository(WriteSlotSetting)
      await runWithoutTenant(() => slots.insert({ organizationId: B, code: 'theme', value: 'B secret value' }))
      expect((await bRow('write_slot_setting')).map((r) => [r['code'], r['value'], r['slot']])).to.deep.equal([['theme', 'B secret value', 'primary']])
      const before = await tenantSnapshot(db().dataSource, 'write_slot_setting', B)

      const error = await expectRefused(db().logger, () =>
        runWithTenant(A, () => slots.upsert({ code: 'theme', value: 'A overwrote' }, ['organizationId', 'code'])))
      expect(error.message).to.match(/unique index \S+ \(slot\) of table write_slot_setting does not include organizationId/)
      expect(await tenantSnapshot(db().dataSource, 'write_slot_setting', B)).to.equal(before)
      expect((await rawRows(db().dataSource, 'write_slot_setting')).filter((r) => r['organizationId'] === A)).to.deep.equal([])
    })

    it('every unique index includes the tenant column: the upsert inserts stamped, updates the own row without SETting the tenant; a new tenantless index is seen by the next upsert', async () => {
      await ddl(`CREATE UNIQUE INDEX uq_slug_page_tenant_slug ON ${table('write_slug_page')} (organizationId, publicSlug)`)
      try {
        await runWithoutTenant(() => slugPages().insert({ organizationId: B, path: '/pricing', publicSlug: 'acme-pricing', body: 'B pricing', note: 'B pricing note' }))
        expect((await bRow('write_slug_page')).map((r) => r['publicSlug'])).to.include('acme-pricing')
        const before = await tenantSnapshot(db().dataSource, 'write_slug_page', B)

        db().logger.clear()
        await runWithTenant(A, () => slugPages().upsert({ path: '/pricing', publicSlug: 'acme-pricing', body: 'A pricing' }, ['organizationId', 'path']))
        await runWithTenant(A, () => slugPages().upsert({ path: '/pricing', publicSlug: 'acme-pricing', body: 'A pricing 2' }, ['organizationId', 'path']))
        const sent = [...(db().logger as DialectCapturingLogger).raw].reverse().find((q) => /^INSERT/.test(q.sql))!.sql // as sent
        const updateSet = sent.slice(sent.indexOf('ON DUPLICATE KEY UPDATE'), sent.includes(' RETURNING ') ? sent.indexOf(' RETURNING ') : undefined)
        expect(updateSet).to.match(sqlRe('^ON DUPLICATE KEY UPDATE "path" = VALUES\\("path"\\), "publicSlug" = VALUES\\("publicSlug"\\), "body" = VALUES\\("body"\\)'))
        expect(updateSet, 'the tenant column is never SET by ON DUPLICATE KEY UPDATE').not.to.include('organizationId')
        const aRows = (await rawRows(db().dataSource, 'write_slug_page')).filter((r) => r['organizationId'] === A)
        expect(aRows.map((r) => [r['path'], r['publicSlug'], r['body'], r['note']])).to.deep.equal([['/pricing', 'acme-pricing', 'A pricing 2', '']])
        expect(await tenantSnapshot(db().dataSource, 'write_slug_page', B)).to.equal(before)

        // no cache across statements: a migration adding a tenantless unique index at run time applies at once
        await ddl(`CREATE UNIQUE INDEX uq_slug_page_body ON ${table('write_slug_page')} (body)`)
        try {
          const error = await expectRefused(db().logger, () =>
            runWithTenant(A, () => slugPages().upsert({ path: '/pricing', publicSlug: 'acme-pricing', body: 'B pricing' }, ['organizationId', 'path'])))
          expect(error.message).to.include('unique index uq_slug_page_body (body)')
          expect(await tenantSnapshot(db().dataSource, 'write_slug_page', B)).to.equal(before)
        } finally {
          await ddl(`DROP INDEX uq_slug_page_body ON ${table('write_slug_page')}`)
        }
      } finally {
        await ddl(`DROP INDEX uq_slug_page_tenant_slug ON ${table('write_slug_page')}`)
      }
    })

    it('under runWithoutTenant the upsert is neither checked nor changed (an admin job)', async () => {
      db().logger.clear()
      await runWithoutTenant(() => slugPages().upsert({ organizationId: B, path: '/admin', publicSlug: 'acme-admin', body: 'B admin' }, ['organizationId', 'path']))
      expect(db().logger.statements.some((q) => /information_schema/.test(q.sql))).to.equal(false)
      expect((await bRow('write_slug_page')).map((r) => r['path'])).to.include('/admin')
    })
  })
})
