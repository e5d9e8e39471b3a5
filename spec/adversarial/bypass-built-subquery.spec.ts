import { expect } from 'chai'
import { runWithTenant, runWithoutTenant } from '../../lib'
import { boundValue, boundValueOf, expectWhereTenant } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'
import { A, AdvTicket, adversarialEntities, B, seedAdversarial } from './adversarial-model'

/**
 * FIXED (was FINDING low): under a bypass a query on a scoped table carries `1 = :__tenancy_bypass`, bound
 * (to 1) only when the executing context is a bypass. Pasted into a tenant's query the placeholder stays
 * unbound: TypeORM's drivers leave an unknown `:name` as is, PostgreSQL and MySQL/MariaDB refuse it as a
 * syntax error, SQLite binds an unbound named parameter to NULL (`1 = NULL`: no rows). Fails closed everywhere.
 * Original finding: the filter is added when SQL is built. SQL text built under runWithoutTenant (for example
 * a subquery fragment prepared once by an admin/bootstrap job, `qb.getQuery()` memoised in a module) carries
 * no tenant condition, and nothing stops it from being pasted into a query that later runs as a tenant: the
 * pasted part then reads every tenant's rows. (The opposite direction is safe: SQL built under a tenant
 * refers to :__tenancy_tenant, which resolves to whoever executes it.)
 * Root cause: lib/query/query-builder-patch.ts createWhereExpression/createJoinExpression add nothing under
 * a bypass. Proposed fix: under a bypass, add a marker term bound at execution, e.g.
 * `:__tenancy_bypass = 1`, and supply `__tenancy_bypass` from getParameters() only when the executing context
 * is a bypass; pasted into a tenant's query the placeholder stays unbound and the statement fails
 * (fail closed), or the plugin refuses it with a TenancyError.
 */
/** PostgreSQL: `syntax error at or near ":"`; MariaDB: `You have an error in your SQL syntax`. */
const SYNTAX_ERROR = /syntax error|error in your SQL syntax/i

describeEachDialect('adversarial: SQL text built under runWithoutTenant, reused under a tenant', { entities: adversarialEntities }, (db) => {
  let bIds: number[]
  before(async () => {
    bIds = (await seedAdversarial(db().dataSource)).b.map((t) => t.id)
  })

  it('B has tickets', async () => {
    const all = await runWithoutTenant(() => db().dataSource.getRepository(AdvTicket).find())
    expect(all.map((t) => t.orgId)).to.include(B)
  })

  it('a bypass query on a scoped table carries the marker and still returns every tenant\'s rows', async () => {
    db().logger.clear()
    const rows = await runWithoutTenant(() => db().dataSource.createQueryBuilder(AdvTicket, 's').getMany())
    expect(new Set(rows.map((t) => t.orgId))).to.deep.equal(new Set([A, B]))
    const sent = db().logger.last(/adv_ticket/)
    const marker = new RegExp(String.raw`WHERE 1 = ${boundValue(sent)}`).exec(sent.sql)
    expect(marker, sent.sql).to.not.equal(null)
    expect(boundValueOf(sent, marker![1], marker![2])).to.equal('1')
    expect(sent.parameters).to.deep.equal(sent.inlinesNumbers ? [] : [1])
  })

  it('a memoised bypass subquery pasted into a tenant query fails (unbound :__tenancy_bypass), no rows of B', async () => {
    // built once, e.g. at start-up inside an admin job
    const everyTicketId = runWithoutTenant(() => db().dataSource.createQueryBuilder(AdvTicket, 's').select('s.id').getQuery())
    expect(everyTicketId).to.contain(':__tenancy_bypass')

    let rows: Array<{ id: number }> | undefined
    let error: unknown
    try {
      rows = await runWithTenant(A, () =>
        db().dataSource.createQueryBuilder().select('x.s_id', 'id').from(`(${everyTicketId})`, 'x').getRawMany<{ id: number }>(),
      )
    } catch (e) {
      error = e
    }
    if (db().dialect.name === 'sqlite') {
      // SQLite binds the unbound :__tenancy_bypass to NULL: `1 = NULL` matches nothing, not one row
      expect(error).to.equal(undefined)
      expect(rows).to.deep.equal([])
    } else {
      expect(rows, 'the statement must fail').to.equal(undefined)
      expect(String(error)).to.match(SYNTAX_ERROR)
    }
    expect(db().logger.statements.at(-1)!.sql).to.contain(':__tenancy_bypass')
  })

  it('copying a bypass builder\'s parameters into a tenant query (setParameters) does not bind the marker', async () => {
    const sub = runWithoutTenant(() => db().dataSource.createQueryBuilder(AdvTicket, 's').select('s.id'))
    const subSql = runWithoutTenant(() => sub.getQuery())
    const subParameters = runWithoutTenant(() => sub.getParameters())
    expect(subParameters).to.have.property('__tenancy_bypass', 1)
    let rows: Array<{ id: number }> | undefined
    let error: unknown
    try {
      rows = await runWithTenant(A, () =>
        db().dataSource.createQueryBuilder().select('x.s_id', 'id').from(`(${subSql})`, 'x').setParameters(subParameters).getRawMany<{ id: number }>(),
      )
    } catch (e) {
      error = e
    }
    if (db().dialect.name === 'sqlite') {
      // SQLite binds the unbound :__tenancy_bypass to NULL: `1 = NULL` matches nothing, not one row
      expect(error).to.equal(undefined)
      expect(rows).to.deep.equal([])
    } else {
      expect(String(error)).to.match(SYNTAX_ERROR)
      expect(rows, 'the statement must fail').to.equal(undefined)
    }
  })

  it('a subquery built by a function inside the same bypass query works', async () => {
    const rows = await runWithoutTenant(() =>
      db().dataSource.createQueryBuilder().select('x.s_id', 'id').from((sq) => sq.select('s.id').from(AdvTicket, 's'), 'x').getRawMany<{ id: number }>(),
    )
    expect(rows.map((r) => Number(r.id))).to.include.members(bIds)
  })

  it('tenant queries carry no marker and no extra parameter', async () => {
    db().logger.clear()
    await runWithTenant(A, () => db().dataSource.getRepository(AdvTicket).find())
    const sent = db().logger.last(/adv_ticket/)
    expect(sent.sql).to.not.contain('1 = ')
    expectWhereTenant(sent, 'AdvTicket', A, 'org_id')
    expect(sent.parameters).to.deep.equal(sent.inlinesNumbers ? [] : [A])
  })
})
