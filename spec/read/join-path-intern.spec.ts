import { expect } from 'chai'
import { setFlagsFromString } from 'node:v8'
import type { DataSource, SelectQueryBuilder } from 'typeorm'
import { runWithTenant, runWithoutTenant } from '../../lib'
import { internJoinPath } from '../../lib/query/join-path-intern'
import { A, SupportTicket, supportDeskEntities } from '../fixtures/support-desk-model'
import { seedSupportDesk } from '../fixtures/seed-support-desk'
import { expectJoinTenant } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'

/**
 * V8's own answer to "is this string internalized?" (`%IsInternalizedString`), or undefined where this Node
 * has no such native: then the cases that need it are skipped (mocha lists them as pending).
 */
function internalizedCheck(): ((value: string) => boolean) | undefined {
  try {
    setFlagsFromString('--allow-natives-syntax')
    return new Function('value', 'return %IsInternalizedString(value)') as (value: string) => boolean
  } catch {
    return undefined
  }
}

const isInternalized = internalizedCheck()
/** The same text as `${alias}.${property}`, built at run time as TypeORM's find builds a join path. */
const built = (alias: string, property: string): string => [alias, property].join('.')
/** What `EntityManager.find(SupportTicket, { relations: { comments: true }, ... })` runs: a builder with the find options set. */
const findWithComments = (dataSource: DataSource): SelectQueryBuilder<SupportTicket> =>
  dataSource.manager.createQueryBuilder(SupportTicket, 'SupportTicket').setFindOptions({ relations: { comments: true }, order: { id: 'ASC' }, take: 10 })
const joinPaths = (qb: SelectQueryBuilder<object>): unknown[] =>
  (qb.expressionMap.joinAttributes as unknown as Array<{ entityOrProperty: unknown }>).map((j) => j.entityOrProperty)

describe('join paths are interned (a speed-up: the same text, the same SQL)', () => {
  beforeEach(function () {
    if (isInternalized === undefined) this.skip() // this Node has no %IsInternalizedString
  })

  it('internJoinPath returns the same text, internalized; an equal string built at run time is not', () => {
    const path = built('Ticket', 'comments')
    expect(isInternalized!(path)).to.equal(false)
    const interned = internJoinPath(path)
    expect(interned).to.equal('Ticket.comments')
    expect(isInternalized!(interned)).to.equal(true)
    expect(internJoinPath(built('Ticket', 'comments'))).to.equal('Ticket.comments')
  })

  it('leaves a path with no dot and a subquery as they are', () => {
    const name = ['support', 'ticket'].join('_')
    const subquery = ['(SELECT 1', 'x)'].join('.')
    expect(isInternalized!(internJoinPath(name))).to.equal(false)
    expect(isInternalized!(internJoinPath(subquery))).to.equal(false)
    expect(internJoinPath(subquery)).to.equal(subquery)
  })
})

describeEachDialect('join paths of a find with relations', { entities: supportDeskEntities }, (db) => {
  const ds = () => db().dataSource
  const find = () => findWithComments(ds())

  before(async () => {
    await seedSupportDesk(ds())
  })

  it("are interned, and the find still returns the tenant's comments only, filtered in ON", async function () {
    if (isInternalized === undefined) this.skip()
    const all = await runWithoutTenant(() => find().getMany())
    expect(all.flatMap((t) => t.comments.map((c) => c.body))).to.include('B comment planted on A ticket')

    const qb = find()
    const tickets = await runWithTenant(A, () => qb.getMany())
    const bodies = tickets.flatMap((t) => t.comments.map((c) => c.body))
    expect(bodies).to.deep.equal(['A comment on A ticket'])
    const paths = joinPaths(qb)
    expect(paths).to.deep.equal(['SupportTicket.comments'])
    expect(paths.every((p) => typeof p === 'string' && isInternalized!(p))).to.equal(true)
    expectJoinTenant(db().logger.last(/"SupportTicket__SupportTicket_comments"/), 'SupportTicket__SupportTicket_comments', A, 'LEFT')
  })
})

describeEachDialect('join paths on a DataSource without tenancy', { entities: supportDeskEntities, tenancy: false }, (db) => {
  it('are left as TypeORM built them: the plugin changes nothing where it is not installed', async function () {
    if (isInternalized === undefined) this.skip()
    const qb = findWithComments(db().dataSource)
    await qb.getMany()
    const paths = joinPaths(qb)
    expect(paths).to.deep.equal(['SupportTicket.comments'])
    expect(isInternalized!(paths[0] as string)).to.equal(false)
  })
})
