import { expect } from 'chai'
import { runWithTenant, runWithoutTenant, TenantContextMissingError } from '../../lib'
import { boundValuesIn, expectOnlyTenantBound, expectWhereTenant } from '../fixtures/sql-assertions'
import { describeEachDialect, rawParameter } from '../support/test-database'
import { A, AdvNote, AdvTicket, adversarialEntities, B, seedAdversarial } from './adversarial-model'

/**
 * Adversarial regressions: QueryBuilder shapes an attacker or a careless developer might use to reach
 * another tenant's rows. Each was tried and found safe; these tests keep it that way.
 */
describeEachDialect('adversarial: QueryBuilder shapes', { entities: adversarialEntities }, (db) => {
  let bIds: number[]
  let aIds: number[]
  const ds = () => db().dataSource
  const orgsOf = (rows: Array<{ org?: unknown; orgId?: unknown }>): number[] => rows.map((r) => Number(r.org ?? r.orgId))

  before(async () => {
    const seeded = await seedAdversarial(ds())
    aIds = seeded.a.map((t) => t.id)
    bIds = seeded.b.map((t) => t.id)
  })

  it('B has tickets and notes (seen under runWithoutTenant)', async () => {
    const tickets = await runWithoutTenant(() => ds().getRepository(AdvTicket).find())
    const notes = await runWithoutTenant(() => ds().getRepository(AdvNote).find())
    expect(orgsOf(tickets)).to.include(B)
    expect(orgsOf(notes)).to.include(B)
  })

  it('from() by table name, entity name and schema-qualified table path is filtered (custom column name org_id)', async () => {
    const { tablePath } = ds().getMetadata(AdvTicket)
    for (const target of ['adv_ticket', 'AdvTicket', tablePath]) {
      db().logger.clear()
      const rows = await runWithTenant(A, () => ds().createQueryBuilder().select('t.org_id', 'org').from(target, 't').getRawMany())
      expect(orgsOf(rows), target).to.deep.equal([A, A])
      expect(boundValuesIn(db().logger.last(/adv_ticket|adv_note/), String.raw`"t"\."org_id" = {v}`)).to.deep.equal([String(A)])
    }
  })

  it('a join by table name, a self-join and addFrom of a second scoped entity are filtered', async () => {
    const joined = await runWithTenant(A, () =>
      ds().createQueryBuilder(AdvTicket, 'x').select('t.org_id', 'org').innerJoin('adv_ticket', 't', 't.id > 0 OR 1=1').getRawMany(),
    )
    expect(new Set(orgsOf(joined))).to.deep.equal(new Set([A]))
    expect(boundValuesIn(db().logger.last(/adv_ticket|adv_note/), String.raw`ON \("t"\."id" > 0 OR 1=1\) AND "t"\."org_id" = {v}`)).to.deep.equal([String(A)])

    const self = await runWithTenant(A, () =>
      ds().createQueryBuilder(AdvTicket, 't').select('o.org_id', 'org').leftJoin(AdvTicket, 'o', 'o.id <> t.id OR 1=1').getRawMany(),
    )
    expect(orgsOf(self).filter((o) => !Number.isNaN(o))).to.not.include(B)

    const cross = await runWithTenant(A, () => ds().createQueryBuilder(AdvTicket, 't').addFrom(AdvNote, 'n').select('n.org_id', 'org').getRawMany())
    expect(new Set(orgsOf(cross))).to.deep.equal(new Set([A]))
    expect(boundValuesIn(db().logger.last(/adv_ticket|adv_note/), String.raw`"t"\."org_id" = {v} AND "n"\."org_id" = {v}`)).to.deep.equal([String(A), String(A)])
  })

  it('leftJoinAndMapMany with an OR in the condition keeps the tenant term outside the OR', async () => {
    const tickets = await runWithTenant(A, () =>
      ds().createQueryBuilder(AdvTicket, 't').leftJoinAndMapMany('t.notes', AdvNote, 'n', 'n.ticketId = t.id OR 1=1').getMany(),
    )
    const notes = tickets.flatMap((t) => t.notes)
    expect(notes.length).to.be.greaterThan(0)
    expect(new Set(orgsOf(notes))).to.deep.equal(new Set([A]))
    expect(boundValuesIn(db().logger.last(/adv_ticket|adv_note/), String.raw`ON \("n"\."ticketId" = "t"\."id" OR 1=1\) AND "n"\."org_id" = {v}`)).to.deep.equal([String(A)])
  })

  it('relation filters, relations and select in find(): the planted B note does not match', async () => {
    const rows = await runWithTenant(A, () =>
      ds().getRepository(AdvTicket).find({
        where: { notes: { body: 'B note planted on A ticket' } },
        relations: { notes: true },
        select: { id: true, title: true, notes: { id: true, body: true } },
      }),
    )
    expect(rows).to.deep.equal([])
    const withNotes = await runWithTenant(A, () => ds().getRepository(AdvTicket).find({ relations: { notes: true }, where: [{ id: aIds[0] }, { id: bIds[0] }] }))
    expect(withNotes.map((t) => t.id)).to.deep.equal([aIds[0]])
    expect(withNotes[0]!.notes.map((n) => n.body)).to.deep.equal(['A note'])
  })

  it('subqueries: subQuery() in where, from() a subquery, a CTE and an independent builder\'s getQuery() string', async () => {
    const inWhere = await runWithTenant(A, () =>
      ds()
        .createQueryBuilder(AdvNote, 'n')
        .where((qb) => `n.ticketId IN ${qb.subQuery().select('s.id').from(AdvTicket, 's').getQuery()} OR 1=1`)
        .getMany(),
    )
    expect(new Set(orgsOf(inWhere))).to.deep.equal(new Set([A]))

    const fromSub = await runWithTenant(A, () =>
      ds().createQueryBuilder().select('s.org', 'org').from((qb) => qb.select('x.org_id', 'org').from(AdvTicket, 'x'), 's').getRawMany(),
    )
    expect(orgsOf(fromSub)).to.deep.equal([A, A])

    const cte = await runWithTenant(A, () =>
      ds()
        .createQueryBuilder()
        .addCommonTableExpression(ds().createQueryBuilder(AdvTicket, 's').select('s.org_id', 'org'), 'c')
        .select('c.org', 'org')
        .from('c', 'c')
        .getRawMany(),
    )
    expect(orgsOf(cte)).to.deep.equal([A, A])

    // a subquery string built by an independent builder under B, pasted into a query run under A
    const sub = runWithTenant(B, () => ds().createQueryBuilder(AdvTicket, 's').select('s.id').getQuery())
    const pasted = await runWithTenant(A, () => ds().createQueryBuilder(AdvNote, 'n').where(`n.ticketId IN (${sub})`).getMany())
    expect(new Set(orgsOf(pasted))).to.deep.equal(new Set([A]))
    expectOnlyTenantBound(db().logger.last(/adv_note/), A, 'org_id') // one tenant parameter, bound to A, used twice
  })

  it('getExists, getCount, stream and getRawMany with custom selects are filtered', async function () {
    const exists = await runWithTenant(A, () => ds().createQueryBuilder(AdvTicket, 't').where('t.id = :id', { id: bIds[0] }).getExists())
    expect(exists).to.equal(false)
    const count = await runWithTenant(A, () => ds().createQueryBuilder(AdvTicket, 't').where('1=1 OR t.id > 0').getCount())
    expect(count).to.equal(2)
    const raw = await runWithTenant(A, () =>
      ds().createQueryBuilder(AdvTicket, 't').select('COUNT(*)', 'n').addSelect('MAX(t.org_id)', 'org').getRawOne<{ n: string; org: number }>(),
    )
    expect([Number(raw!.n), Number(raw!.org)]).to.deep.equal([2, A])
    if (db().dialect.engine === 'embedded') return // PGlite has no streaming cursor
    const streamed = await runWithTenant(A, async () => {
      const stream = await ds().createQueryBuilder(AdvTicket, 't').select('t.org_id', 'org').stream()
      const rows: Array<{ org: number }> = []
      for await (const row of stream) rows.push(row as { org: number })
      return rows
    })
    expect(orgsOf(streamed)).to.deep.equal([A, A])
  })

  it('loadRelationCountAndMap (0.3 only) does not count the B note planted on an A ticket', async function () {
    if (typeof (ds().createQueryBuilder() as unknown as { loadRelationCountAndMap?: unknown }).loadRelationCountAndMap !== 'function') this.skip()
    const tickets = await runWithTenant(A, () =>
      ds().createQueryBuilder(AdvTicket, 't').loadRelationCountAndMap('t.noteCount', 't.notes').orderBy('t.id').getMany(),
    )
    expect(tickets.map((t) => (t as AdvTicket & { noteCount: number }).noteCount)).to.deep.equal([1, 0])
  })

  it('relation().of(a foreign id).loadMany() / loadOne() return nothing', async () => {
    const notes = await runWithTenant(A, () => ds().createQueryBuilder().relation(AdvTicket, 'notes').of(bIds[0]).loadMany())
    expect(notes).to.deep.equal([])
    const plantedOn = await runWithTenant(A, () => ds().createQueryBuilder().relation(AdvTicket, 'notes').of(aIds[0]).loadMany<AdvNote>())
    expect(plantedOn.map((n) => n.body)).to.deep.equal(['A note'])
  })

  it('a user parameter named like the plugin\'s, via setParameter, setParameters or a subquery, cannot change the tenant', async () => {
    const viaSet = await runWithTenant(A, () => ds().createQueryBuilder(AdvTicket, 't').setParameter('__tenancy_tenant', B).getMany())
    expect(orgsOf(viaSet)).to.deep.equal([A, A])
    const viaSetMany = await runWithTenant(A, () =>
      ds().createQueryBuilder(AdvTicket, 't').where('t.org_id = :__tenancy_tenant OR t.org_id = :other').setParameters({ __tenancy_tenant: B, other: B }).getMany(),
    )
    expect(orgsOf(viaSetMany)).to.deep.equal([A, A])
    const viaSub = await runWithTenant(A, () =>
      ds()
        .createQueryBuilder(AdvTicket, 't')
        .where((qb) => `t.id IN ${qb.subQuery().select('s.id').from(AdvTicket, 's').setParameter('__tenancy_tenant', B).getQuery()}`)
        .getMany(),
    )
    expect(orgsOf(viaSub)).to.deep.equal([A, A])
    expectOnlyTenantBound(db().logger.last(/adv_ticket/), A, 'org_id')
  })

  it('native parameters (0.3 only) do not shift the tenant parameter', async function () {
    if (typeof (ds().createQueryBuilder() as unknown as { setNativeParameters?: unknown }).setNativeParameters !== 'function') this.skip()
    const rows = await runWithTenant(A, () =>
      ds().createQueryBuilder(AdvTicket, 't').where(`t.org_id = ${rawParameter(ds(), 0)} OR t.id > 0`).setNativeParameters({ x: B }).getMany(),
    )
    expect(orgsOf(rows)).to.deep.equal([A, A])
    const sent = db().logger.last(/adv_ticket/)
    // the native parameter keeps position 1; the tenant (inlined on SQLite) comes after it
    expect(sent.parameters).to.deep.equal(sent.inlinesNumbers ? [B] : [B, A])
    expectWhereTenant(sent, 't', A, 'org_id')
  })

  it('a builder (and its clone) made under B or outside any context runs as the tenant in force when it is executed', async () => {
    const underB = runWithTenant(B, () => ds().createQueryBuilder(AdvTicket, 't'))
    runWithTenant(B, () => underB.getQuery())
    expect(orgsOf(await runWithTenant(A, () => underB.getMany()))).to.deep.equal([A, A])
    expect(orgsOf(await runWithTenant(A, () => underB.clone().getMany()))).to.deep.equal([A, A])

    const outside = ds().createQueryBuilder(AdvTicket, 't')
    db().logger.clear()
    let error: unknown
    try {
      await outside.getMany()
    } catch (e) {
      error = e
    }
    expect(error).to.be.instanceOf(TenantContextMissingError)
    expect(db().logger.statements).to.have.length(0)
    expect(orgsOf(await runWithTenant(A, () => outside.getMany()))).to.deep.equal([A, A])
  })

  it('one builder instance executed concurrently by both tenants gives each its own rows', async () => {
    const shared = ds().createQueryBuilder(AdvTicket, 't').leftJoinAndSelect('t.notes', 'n')
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const tenant = i % 2 === 0 ? A : B
        return runWithTenant(tenant, async () => {
          await Promise.resolve()
          const rows = await shared.getMany()
          return { tenant, orgs: [...orgsOf(rows), ...orgsOf(rows.flatMap((r) => r.notes))] }
        })
      }),
    )
    for (const run of runs) expect(new Set(run.orgs)).to.deep.equal(new Set([run.tenant]))
    // the builder itself is unchanged afterwards
    expect(shared.expressionMap.extraAppendedAndWhereCondition).to.equal('')
    expect(shared.expressionMap.joinAttributes[0]!.condition).to.equal(undefined)
  })
})
