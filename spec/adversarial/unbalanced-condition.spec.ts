import { expect } from 'chai'
import { runWithTenant, runWithoutTenant, TenantContextMissingError, UnfilterableQueryError } from '../../lib'
import { conditionImbalance } from '../../lib/query/condition-balance'
import { describeEachDialect } from '../support/test-database'
import { A, AdvNote, AdvTicket, adversarialEntities, B, seedAdversarial } from './adversarial-model'

/**
 * Defence in depth: TypeORM only wraps a where/ON text in parentheses, so `.where("1=1) OR (1=1")` would close
 * them early and OR around the tenant condition. The filter refuses such a text before any SQL.
 */
describeEachDialect('adversarial: a where or join text that escapes its parentheses', { entities: adversarialEntities }, (db) => {
  before(async () => {
    await seedAdversarial(db().dataSource)
  })

  it('B has rows (bypass)', async () => {
    const all = await runWithoutTenant(() => db().dataSource.getRepository(AdvTicket).find())
    expect(all.map((t) => t.orgId)).to.include(B)
  })

  const refused = async (query: () => Promise<unknown>): Promise<unknown> => {
    db().logger.clear()
    let error: unknown
    try {
      await runWithTenant(A, query)
    } catch (e) {
      error = e
    }
    expect(db().logger.statements).to.have.length(0)
    return error
  }

  for (const [label, text] of [
    ['closes early', '1=1) OR (1=1'],
    ['opens and comments out', '1=1 OR (1=1 --'],
    ['unclosed literal', "title = 'x"],
    ['unclosed block comment', '1=1 /*'],
  ] as const) {
    it(`where("${text}") (${label}) is refused with UnfilterableQueryError`, async () => {
      const error = await refused(() => db().dataSource.getRepository(AdvTicket).createQueryBuilder('t').where(text).getMany())
      expect(error, String(error)).to.be.instanceOf(UnfilterableQueryError)
      expect(String(error)).to.match(/AdvTicket/)
    })
  }

  it('an orWhere that closes early is refused too', async () => {
    const error = await refused(() => db().dataSource.getRepository(AdvTicket).createQueryBuilder('t').where('t.id > 0').orWhere('1=1) OR (1=1').getMany())
    expect(error).to.be.instanceOf(UnfilterableQueryError)
  })

  it('a join condition that closes early is refused', async () => {
    const error = await refused(() =>
      db().dataSource.getRepository(AdvNote).createQueryBuilder('n').leftJoinAndSelect('n.ticket', 't', '1=1) OR (1=1').getMany(),
    )
    expect(error, String(error)).to.be.instanceOf(UnfilterableQueryError)
    expect(String(error)).to.match(/join condition/)
  })

  it('balanced conditions with parentheses, quotes and comments inside literals still work and stay filtered', async () => {
    db().logger.clear()
    const rows = await runWithTenant(A, () =>
      db().dataSource
        .getRepository(AdvTicket)
        .createQueryBuilder('t')
        .where("(t.title <> ')' OR t.title = '(--')")
        .andWhere('t.title <> :p', { p: ') OR (1=1' })
        .getMany(),
    )
    expect(rows.map((t) => t.orgId)).to.deep.equal([A, A])
  })

  it('under runWithoutTenant no tenant term is added and the text is not checked (TypeORM behaviour)', async () => {
    const rows = await runWithoutTenant(() => db().dataSource.getRepository(AdvTicket).createQueryBuilder('t').where('(t.id > 0)').getMany())
    expect(rows.length).to.equal(4)
  })

  it('conditionImbalance: a unit table', () => {
    const ok = ['a = 1', '(a = 1) OR (b = 2)', "a = ')'", 'a = "x)"', 'a = `x)`', "a = 'it''s)'", 'a = $$)$$', 'a = $1', "a = E'\\')'", '-- c\na = 1', '/* ) */ a = 1']
    for (const text of ok) expect(conditionImbalance(text, false), text).to.equal(undefined)
    const bad = ['1=1) OR (1=1', '(a', "a = 'x", 'a = "x', '1=1 --', '/* x', 'a = $$x', ')(']
    for (const text of bad) expect(conditionImbalance(text, false), text).to.be.a('string')
    // MySQL: a backslash escapes the quote, so the parentheses after it stay inside the literal
    expect(conditionImbalance("a = '\\') OR (1=1 '", true)).to.equal(undefined)
    expect(conditionImbalance("a = '\\' ) OR 1=1 -- '", true)).to.equal(undefined) // one literal on MySQL
    expect(conditionImbalance("a = '\\' ) OR 1=1 -- '", false)).to.be.a('string')
  })
})

describeEachDialect('test mode (unsafeDisableQueryFilter: true) still fails closed', { entities: adversarialEntities, tenancy: { unsafeDisableQueryFilter: true } }, (db) => {
  before(async () => {
    await seedAdversarial(db().dataSource)
  })

  it('a scoped query with no context throws TenantContextMissingError before any SQL', async () => {
    db().logger.clear()
    let error: unknown
    try {
      await db().dataSource.getRepository(AdvTicket).find({ relations: { notes: true } })
    } catch (e) {
      error = e
    }
    expect(error, String(error)).to.be.instanceOf(TenantContextMissingError)
    expect(db().logger.statements).to.have.length(0)
  })

  it('under a tenant the query is sent without the tenant condition (the failsafe is then the only protection)', async () => {
    db().logger.clear()
    await runWithTenant(A, () => db().dataSource.createQueryBuilder(AdvTicket, 't').getRawMany())
    expect(db().logger.last(/adv_ticket/).sql).to.not.match(/org_id" = /)
  })
})
