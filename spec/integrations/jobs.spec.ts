import { expect } from 'chai'
import { currentTenant, InvalidTenantIdError, runWithoutTenant, TenancyConfigurationError } from '../../lib'
import { forEachTenant, ForEachTenantError, runForTenant } from '../../lib/jobs'
import { boundValue, expectTenantTerm } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'
import { IntegrationTicket, integrationEntities, ORG_A, ORG_B, seedIntegration } from './support/integration-model'

describeEachDialect('Background jobs', { entities: integrationEntities }, (db) => {
  const tickets = () => db().dataSource.getRepository(IntegrationTicket)
  /** The tenants table of a real app; here the distinct owners, read with the explicit bypass. */
  const listTenants = () => runWithoutTenant(async () => [...new Set((await tickets().find({ order: { organizationId: 'ASC' } })).map((t) => t.organizationId))])

  before(async () => {
    await seedIntegration(db().dataSource)
  })

  it('runForTenant runs the job and its awaits as that tenant, with a filtered query', async () => {
    expect(await listTenants()).to.deep.equal([ORG_A, ORG_B])
    db().logger.clear()
    const seen = await runForTenant(ORG_B, async (tenantId) => {
      await new Promise((resolve) => setTimeout(resolve, 1))
      return { tenantId, current: currentTenant(), rows: await tickets().find() }
    })
    expect(seen.tenantId).to.equal(ORG_B)
    expect(seen.current).to.equal(ORG_B)
    expect(seen.rows.map((t) => t.organizationId)).to.deep.equal([ORG_B])
    expectTenantTerm(db().logger.last(/integration_ticket/), ORG_B)
    expect(currentTenant()).to.equal(undefined)
  })

  it('runForTenant scopes a bulk update to its tenant', async () => {
    db().logger.clear()
    const result = await runForTenant(ORG_B, () => tickets().update({ title: 'B: invoice question' }, { title: 'B: answered' }))
    expect(result.affected).to.equal(1)
    const sent = db().logger.last(/^UPDATE .*integration_ticket/)
    expect(sent.sql).to.match(new RegExp(String.raw`WHERE .*"title" = \$\d+.* AND .*"organizationId" = ${boundValue(sent)}`))
    expectTenantTerm(sent, ORG_B)
    // The same update as tenant A touches nothing: B's row exists (just renamed) but is not A's.
    const asA = await runForTenant(ORG_A, () => tickets().update({ title: 'B: answered' }, { title: 'A: stolen' }))
    expect(asA.affected).to.equal(0)
    const renamed = await runWithoutTenant(() => tickets().findBy({ title: 'B: answered' }))
    expect(renamed.map((t) => t.organizationId)).to.deep.equal([ORG_B])
    if (process.env['DEBUG_SQL']) console.log(sent)
  })

  it('runForTenant refuses a non-id before the job starts', async () => {
    let ran = false
    expect(() => runForTenant('', () => (ran = true))).to.throw(InvalidTenantIdError)
    expect(() => runForTenant(Number.NaN, () => (ran = true))).to.throw(InvalidTenantIdError)
    expect(ran).to.equal(false)
  })

  it('forEachTenant runs one tenant at a time, each seeing only its rows', async () => {
    let running = 0
    let maxRunning = 0
    const report = await forEachTenant(listTenants, async (tenantId) => {
      running++
      maxRunning = Math.max(maxRunning, running)
      await new Promise((resolve) => setImmediate(resolve))
      const rows = await tickets().find()
      running--
      return { tenantId, current: currentTenant(), owners: [...new Set(rows.map((t) => t.organizationId))], count: rows.length }
    })
    expect(maxRunning).to.equal(1)
    expect(report.succeeded).to.deep.equal([ORG_A, ORG_B])
    expect(report.failed).to.deep.equal([])
    expect(report.results.map((r) => (r.ok ? r.value : undefined))).to.deep.equal([
      { tenantId: ORG_A, current: ORG_A, owners: [ORG_A], count: 2 },
      { tenantId: ORG_B, current: ORG_B, owners: [ORG_B], count: 1 },
    ])
  })

  it('forEachTenant collects each tenant failure, runs the others, and reports them', async () => {
    const visited: unknown[] = []
    let error: unknown
    try {
      await forEachTenant([ORG_A, ORG_B, 3], async (tenantId) => {
        visited.push(tenantId)
        if (tenantId === ORG_A) throw new Error('mail server down')
        return tickets().count()
      })
    } catch (e) {
      error = e
    }
    expect(visited).to.deep.equal([ORG_A, ORG_B, 3])
    expect(error).to.be.instanceOf(ForEachTenantError)
    const failure = error as ForEachTenantError<number>
    expect(failure.message).to.include('1 of 3 tenants').and.include('mail server down')
    expect(failure.report.failed.map((f) => f.tenantId)).to.deep.equal([ORG_A])
    expect(failure.report.succeeded).to.deep.equal([ORG_B, 3])
    expect(failure.report.results.map((r) => (r.ok ? r.value : 'failed'))).to.deep.equal(['failed', 1, 0])
    expect(failure.errors).to.have.length(1)
  })

  it('forEachTenant with rejectOnFailure: false resolves with the report', async () => {
    const report = await forEachTenant([ORG_A, ORG_B], (id) => {
      if (id === ORG_B) throw new Error('boom')
      return 'ok'
    }, { rejectOnFailure: false })
    expect(report.succeeded).to.deep.equal([ORG_A])
    expect(report.failed.map((f) => f.tenantId)).to.deep.equal([ORG_B])
  })

  it('forEachTenant with concurrency 2 still keeps each job in its tenant', async () => {
    const report = await forEachTenant([ORG_A, ORG_B, ORG_A, ORG_B], async () => {
      await new Promise((resolve) => setImmediate(resolve))
      return (await tickets().find()).map((t) => t.organizationId)
    }, { concurrency: 2 })
    expect(report.results.map((r) => (r.ok ? [r.tenantId, [...new Set(r.value)]] : r))).to.deep.equal([
      [ORG_A, [ORG_A]], [ORG_B, [ORG_B]], [ORG_A, [ORG_A]], [ORG_B, [ORG_B]],
    ])
  })

  it('forEachTenant refuses a bad tenant list or option before running any job', async () => {
    let ran = 0
    const job = () => void ran++
    for (const [list, options, type] of [
      [[ORG_A, ''], {}, InvalidTenantIdError],
      [[ORG_A, Number.NaN], {}, InvalidTenantIdError],
      [[ORG_A], { concurrency: 0 }, TenancyConfigurationError],
    ] as const) {
      let error: unknown
      try {
        await forEachTenant(list as never, job, options)
      } catch (e) {
        error = e
      }
      expect(error).to.be.instanceOf(type)
    }
    expect(ran).to.equal(0)
  })
})
