import { expect } from 'chai'
import { setFlagsFromString } from 'node:v8'
import { DbQueryResultCache } from 'typeorm/cache/DbQueryResultCache'
import { runWithTenant, runWithoutTenant, tenantCacheId } from '../../lib'
import { A, B, SupportTicket, supportDeskEntities } from '../fixtures/support-desk-model'
import { seedSupportDesk } from '../fixtures/seed-support-desk'
import { expectWhereTenant } from '../fixtures/sql-assertions'
import { describeEachDialect, tablePath } from '../support/test-database'

const MINUTE = 60_000

describeEachDialect('query result cache', { entities: supportDeskEntities, extra: { cache: true } }, (db) => {
  const ds = () => db().dataSource
  const repo = () => ds().getRepository(SupportTicket)
  const orgs = (rows: SupportTicket[]) => [...new Set(rows.map((t) => t.organizationId))]
  const identifiers = async (): Promise<string[]> => {
    const identifier = ds().driver.escape('identifier')
    const rows = await ds().query(`SELECT ${identifier} FROM ${tablePath(ds(), 'query-result-cache')} WHERE ${identifier} IS NOT NULL ORDER BY 1`)
    return (rows as Array<{ identifier: string }>).map((r) => r.identifier)
  }

  before(async () => {
    await seedSupportDesk(ds())
  })

  it('cache: true keys by SQL and parameters, which hold the tenant', async () => {
    expect(orgs(await runWithoutTenant(() => repo().find()))).to.include(B)
    expect(orgs(await runWithTenant(A, () => repo().find({ cache: MINUTE })))).to.deep.equal([A])
    db().logger.clear()
    expect(orgs(await runWithTenant(B, () => repo().find({ cache: MINUTE })))).to.deep.equal([B])
    // B's result was not a cache hit on A's entry: its own SELECT was sent
    expectWhereTenant(db().logger.last(/FROM "[^"]*"\."support_ticket" "SupportTicket"/), 'SupportTicket', B)
    expect(orgs(await runWithTenant(A, () => repo().find({ cache: MINUTE })))).to.deep.equal([A])
  })

  it('cache: { id } keeps one entry per tenant: no tenant is served another\'s result', async () => {
    const open = () => repo().find({ cache: { id: 'open-tickets', milliseconds: MINUTE } })
    expect(orgs(await runWithTenant(A, open))).to.deep.equal([A])
    db().logger.clear()
    expect(orgs(await runWithTenant(B, open))).to.deep.equal([B])
    expect(orgs(await runWithTenant(A, open))).to.deep.equal([A])
    expect(await identifiers()).to.include.members(['open-tickets@tenant:1', 'open-tickets@tenant:2'])
    expect(runWithTenant(A, () => tenantCacheId('open-tickets'))).to.equal('open-tickets@tenant:1')
  })

  it('a bypass result is never served to a tenant', async () => {
    const report = () => repo().find({ cache: { id: 'report', milliseconds: MINUTE } })
    expect(orgs(await runWithoutTenant(report)).sort()).to.deep.equal([A, B])
    expect(orgs(await runWithTenant(A, report))).to.deep.equal([A])
    expect(orgs(await runWithoutTenant(report)).sort()).to.deep.equal([A, B])
    expect(await identifiers()).to.include.members(['report@all-tenants', 'report@tenant:1'])
  })

  it('getManyAndCount with a cache id, with pagination over a join', async () => {
    const page = () =>
      ds().createQueryBuilder(SupportTicket, 't').leftJoinAndSelect('t.comments', 'c').orderBy('t.id').take(1).cache('first-page', MINUTE).getManyAndCount()
    const [rowsA, countA] = await runWithTenant(A, page)
    expect([orgs(rowsA), countA]).to.deep.equal([[A], 2])
    expect(rowsA[0]!.comments.map((c) => c.organizationId)).to.deep.equal([A])
    const [rowsB, countB] = await runWithTenant(B, page)
    expect([orgs(rowsB), countB]).to.deep.equal([[B], 2])
    expect(rowsB[0]!.comments.map((c) => c.organizationId)).to.deep.equal([B])
    const [again] = await runWithTenant(A, page)
    expect(orgs(again)).to.deep.equal([A])
  })

  it('queryResultCache.remove([id]) inside runWithTenant removes that tenant\'s entry only', async () => {
    await runWithTenant(A, () => ds().queryResultCache!.remove(['open-tickets']))
    const left = await identifiers()
    expect(left).not.to.include('open-tickets@tenant:1')
    expect(left).to.include('open-tickets@tenant:2')
  })

  it('a cache replaced by setOptions({ cache }) after installation is scoped too', async () => {
    const before = ds().queryResultCache
    ds().setOptions({ cache: true })
    expect(ds().queryResultCache).not.to.equal(before)
    const fresh = () => repo().find({ cache: { id: 'after-set-options', milliseconds: MINUTE } })
    expect(orgs(await runWithTenant(B, fresh))).to.deep.equal([B])
    expect(orgs(await runWithTenant(A, fresh))).to.deep.equal([A])
    expect(await identifiers()).to.include.members(['after-set-options@tenant:1', 'after-set-options@tenant:2'])
  })

  it('a cache the application assigns after installation is scoped by the first query that uses it', async () => {
    const assigned = new DbQueryResultCache(ds())
    ds().queryResultCache = assigned
    const fresh = () => repo().find({ cache: { id: 'assigned-cache', milliseconds: MINUTE } })
    expect(orgs(await runWithTenant(B, fresh))).to.deep.equal([B])
    expect(orgs(await runWithTenant(A, fresh))).to.deep.equal([A])
    expect(await identifiers()).to.include.members(['assigned-cache@tenant:1', 'assigned-cache@tenant:2'])
    // from then on the application's own calls on it are scoped too
    await runWithTenant(A, () => assigned.remove(['assigned-cache']))
    const left = await identifiers()
    expect(left).not.to.include('assigned-cache@tenant:1')
    expect(left).to.include('assigned-cache@tenant:2')
  })

  it('keeps the DataSource object in V8\'s fast properties (TypeORM reads it on every query)', () => {
    // An accessor put over its queryResultCache data property (the plugin's first design) turned the whole
    // DataSource into a dictionary-mode object: every TypeORM read of ds.driver, ds.options, ... got slower.
    setFlagsFromString('--allow-natives-syntax')
    const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean
    setFlagsFromString('--no-allow-natives-syntax')
    expect(hasFastProperties({ a: 1 })).to.equal(true)
    expect(hasFastProperties(ds())).to.equal(true)
  })

  it('a tenant id cannot forge another tenant\'s key', () => {
    const forged = runWithTenant('1@tenant:2', () => tenantCacheId('x'))
    const real = runWithTenant(2, () => tenantCacheId('x@tenant:1'))
    expect(forged).not.to.equal(real)
  })
})
