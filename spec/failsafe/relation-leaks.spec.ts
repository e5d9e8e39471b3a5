import { expect } from 'chai'
import { failsafeCounters, FilteredRelationArray, resetFailsafeCounters, runWithoutTenant, runWithTenant, TenantContextMissingError } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { failsafeOf } from '../../lib/failsafe/failsafe-runtime'
import { A, B, FsAddress, FsBoard, FsCustomer, FsFolder, FsLabel, FsProject, FsTask, FsTemplate, leakEntities, RecordingLogger } from './failsafe-model'
import { seedLeaks, type SeededLeaks } from './seed-failsafe'

/**
 * The relation-leak suite: rows of B planted in every relation of A's rows, loaded through every path.
 *
 * - By default the query filter is on: A gets exactly its rows, the SQL carries the tenant condition, and the
 *   failsafe has nothing to report (the first line held).
 * - `TENANCY_TEST_FAILSAFE_ONLY=1` (the test mode; `.ci/run` runs it) turns the query filter off for this
 *   DataSource (`unsafeDisableQueryFilter: true`): every row of B really is loaded, and the same assertions on
 *   what A gets must hold with the failsafe alone, which strips and reports each of those rows.
 */
const logger = new RecordingLogger()
const failsafeOnly = process.env['TENANCY_TEST_FAILSAFE_ONLY'] === '1'
/** What the failsafe must report: `leaked` in the failsafe-only mode, `none` when the query filter is on. */
const reported = <T>(leaked: T, none: T): T => (failsafeOnly ? leaked : none)
const title = failsafeOnly
  ? 'Failsafe alone (TENANCY_TEST_FAILSAFE_ONLY=1: query filter off) strips and reports every cross-tenant row'
  : 'Relation leaks with the query filter on: the failsafe has nothing to strip (TENANCY_TEST_FAILSAFE_ONLY=1 proves it alone)'

describeEachDialect(title, { entities: leakEntities, tenancy: { unsafeDisableQueryFilter: failsafeOnly, logger } }, (db) => {
  let seeded: SeededLeaks
  before(async () => {
    seeded = await seedLeaks(db().dataSource)
  })
  beforeEach(() => {
    logger.clear()
    db().logger.clear()
    resetFailsafeCounters(db().dataSource)
  })

  const repo = <T extends object>(target: new () => T) => db().dataSource.getRepository(target)

  /**
   * Failsafe-only: the SQL really sent for `table` carries no tenant condition, so the rows of B reach the
   * failsafe. Filter on: every statement on `table` carries it.
   */
  function expectUnfilteredSql(table: string, column: string): void {
    const sent = db().logger.statements.filter((q) => q.sql.includes(`"${table}"`))
    expect(sent, `no statement on ${table}`).not.to.have.length(0)
    for (const q of sent) {
      if (failsafeOnly) expect(q.sql).not.to.match(new RegExp(`"${column}" = (\\$\\d+|\\d+)`))
      else expect(q.sql).to.match(new RegExp(`"${column}" = (\\$\\d+|\\d+)`))
    }
  }

  function strippedEvents(): Array<Record<string, unknown>> {
    return logger.warnings.map((w) => w.obj)
  }

  it("the seed's case with callListeners(false) (no afterLoad: the result is walked as a whole)", async () => {
    const load = () => repo(FsCustomer).createQueryBuilder('c').leftJoinAndSelect('c.addresses', 'a').where('c.id = :id', { id: seeded.customer.id }).callListeners(false).getOneOrFail()
    const all = await runWithoutTenant(load)
    expect(all.addresses.map((a) => a.merchantId).sort()).to.deep.equal([A, B])
    db().logger.clear()

    const customer = await runWithTenant(A, load)
    expectUnfilteredSql('fs_address', 'merchantId')
    expect(customer.addresses.map((a) => a.email)).to.deep.equal(['ada@merchant-a'])
    expect(customer.addresses).to.be.instanceOf(FilteredRelationArray)
    expect(strippedEvents()).to.have.length(reported(1, 0))
    expect(failsafeCounters(db().dataSource)).to.deep.include(reported({ strippedRows: 1, strippedByEntity: { FsAddress: 1 } }, { strippedRows: 0, strippedByEntity: {} }))
  })

  for (const strategy of ['join', 'query'] as const) {
    it(`the seed's case (strategy ${strategy}): a central Customer loaded with its addresses keeps only the current merchant's`, async () => {
      const all = await runWithoutTenant(() => repo(FsCustomer).findOneOrFail({ where: { id: seeded.customer.id }, relations: { addresses: true }, relationLoadStrategy: strategy }))
      expect(all.addresses.map((a) => a.merchantId).sort()).to.deep.equal([A, B])
      db().logger.clear()

      const customer = await runWithTenant(A, () => repo(FsCustomer).findOneOrFail({ where: { id: seeded.customer.id }, relations: { addresses: true }, relationLoadStrategy: strategy }))
      expectUnfilteredSql('fs_address', 'merchantId')
      expect(customer.addresses.map((a) => a.email)).to.deep.equal(['ada@merchant-a'])
      expect(customer.addresses).to.be.instanceOf(FilteredRelationArray)
      expect(strippedEvents()).to.deep.equal(
        reported([{ entity: 'FsAddress', relation: 'FsCustomer.addresses', primaryKey: seeded.addressB.id, expectedTenant: A, foundTenant: B, path: 'FsCustomer.addresses' }], []),
      )
      if (failsafeOnly) expect(logger.warnings[0]!.msg).to.match(/FsAddress .*tenant 2.*FsCustomer\.addresses.*tenant 1/)
      expect(failsafeCounters(db().dataSource)).to.deep.include(reported({ strippedRows: 1, strippedByEntity: { FsAddress: 1 } }, { strippedRows: 0, strippedByEntity: {} }))
    })

    it(`one-to-many, many-to-many, one-to-one inverse, many-to-one, eager (strategy ${strategy}), and a root row of B`, async () => {
      const relations = { tasks: true, labels: true, charter: true, owner: true, pins: true } as const
      const all = await runWithoutTenant(() => repo(FsProject).find({ relations, relationLoadStrategy: strategy, order: { id: 'ASC' } }))
      const allA = all.find((p) => p.id === seeded.projA.id)!
      expect(all.map((p) => p.tenantId)).to.deep.equal([A, B])
      expect(allA.tasks.map((t) => t.tenantId).sort()).to.deep.equal([A, B])
      expect(allA.labels.map((l) => l.tenantId).sort()).to.deep.equal([A, B])
      expect(allA.charter?.tenantId).to.equal(B)
      expect(allA.owner?.tenantId).to.equal(B)
      expect(allA.pins.map((p) => p.tenantId).sort()).to.deep.equal([A, B])
      db().logger.clear()

      const projects = await runWithTenant(A, () => repo(FsProject).find({ relations, relationLoadStrategy: strategy, order: { id: 'ASC' } }))
      expectUnfilteredSql('fs_project', 'tenantId')
      expect(projects.map((p) => p.id)).to.deep.equal([seeded.projA.id])
      const [project] = projects
      expect(project!.tasks.map((t) => t.id)).to.deep.equal([seeded.taskA.id])
      expect(project!.labels.map((l) => l.id)).to.deep.equal([seeded.labelA.id])
      // stripped by the failsafe: undefined (which save ignores); not loaded at all under the filter: null
      expect(project!.charter).to.equal(reported(undefined, null))
      expect(project!.owner).to.equal(reported(undefined, null))
      expect(project!.pins.map((p) => p.id)).to.deep.equal([seeded.pinA.id])
      for (const list of [project!.tasks, project!.labels, project!.pins]) expect(list).to.be.instanceOf(FilteredRelationArray)

      const events = strippedEvents()
      // strategy query on 0.3 loads the eager pins twice (joined, then queried): the same row may be reported twice
      const byRelation = (relation: string | null) => [...new Set(events.filter((e) => e.relation === relation).map((e) => e.primaryKey))]
      expect(byRelation('FsProject.tasks')).to.deep.equal(reported([seeded.taskB.id], []))
      expect(byRelation('FsProject.labels')).to.deep.equal(reported([seeded.labelB.id], []))
      expect(byRelation('FsProject.charter')).to.deep.equal(reported([seeded.charterB.id], []))
      expect(byRelation('FsProject.owner')).to.deep.equal(reported([seeded.personB.id], []))
      expect(byRelation('FsProject.pins')).to.deep.equal(reported([seeded.pinB.id], []))
      expect(byRelation(null)).to.deep.equal(reported([seeded.projB.id], []))
      expect(events.every((e) => e.expectedTenant === A && e.foundTenant === B)).to.equal(true)
      expect(failsafeCounters(db().dataSource).strippedRows).to.equal(events.length)
    })

    it(`many-to-many, inverse side (strategy ${strategy})`, async () => {
      const all = await runWithoutTenant(() => repo(FsLabel).findOneOrFail({ where: { id: seeded.labelA.id }, relations: { projects: true }, relationLoadStrategy: strategy }))
      expect(all.projects.map((p) => p.tenantId).sort()).to.deep.equal([A, B])

      const label = await runWithTenant(A, () => repo(FsLabel).findOneOrFail({ where: { id: seeded.labelA.id }, relations: { projects: true }, relationLoadStrategy: strategy }))
      expect(label.projects.map((p) => p.id)).to.deep.equal([seeded.projA.id])
      // project-a's eager pins are loaded too, with B's pin planted there
      expect(strippedEvents().map((e) => [e.relation, e.primaryKey]).sort()).to.deep.equal(reported([['FsLabel.projects', seeded.projB.id], ['FsProject.pins', seeded.pinB.id]], []))
    })
  }

  it('a root row of B asked for by id is not returned (findOneBy, QueryBuilder getOne)', async () => {
    const b = await runWithoutTenant(() => repo(FsProject).findOneBy({ id: seeded.projB.id }))
    expect(b?.tenantId).to.equal(B)
    expect(await runWithTenant(A, () => repo(FsProject).findOneBy({ id: seeded.projB.id }))).to.equal(null)
    const viaBuilder = await runWithTenant(A, () => repo(FsProject).createQueryBuilder('p').where('p.id = :id', { id: seeded.projB.id }).getOne())
    expect(viaBuilder).to.equal(null)
    expect(strippedEvents().map((e) => [e.entity, e.relation, e.primaryKey])).to.deep.equal(
      reported(
        [
          ['FsProject', null, seeded.projB.id],
          ['FsProject', null, seeded.projB.id],
        ],
        [],
      ),
    )
  })

  describe('a graph the load broadcast filters in one call (no lazy relation, no inheritance)', () => {
    const loads = {
      find: () => repo(FsBoard).find({ relations: { cards: { notes: true, assignee: true }, tags: true, owner: true }, order: { id: 'ASC', cards: { id: 'ASC' } } }),
      QueryBuilder: () =>
        repo(FsBoard)
          .createQueryBuilder('b')
          .leftJoinAndSelect('b.cards', 'c')
          .leftJoinAndSelect('c.notes', 'n')
          .leftJoinAndSelect('c.assignee', 'a')
          .leftJoinAndSelect('b.tags', 't')
          .leftJoinAndSelect('b.owner', 'o')
          .orderBy('b.id')
          .addOrderBy('c.id')
          .getMany(),
    }
    for (const [name, load] of Object.entries(loads)) {
      it(`${name}: one-to-many two levels deep, a many-to-one below a collection, many-to-many, many-to-one, and a root row of B`, async () => {
        // precondition: this graph takes the path under test, the load broadcast's own walk
        expect(failsafeOf(db().dataSource)!.model.loadPlan(db().dataSource.getMetadata(FsBoard)).mode).to.equal('events')
        const all = await runWithoutTenant(load)
        const allA = all.find((b) => b.id === seeded.boardA.id)!
        expect(all.map((b) => b.tenantId)).to.deep.equal([A, B])
        expect(allA.cards.map((c) => c.tenantId)).to.deep.equal([A, B])
        expect(allA.cards[0]!.notes.map((n) => n.tenantId).sort()).to.deep.equal([A, B])
        expect(allA.cards[0]!.assignee?.tenantId).to.equal(B)
        expect(allA.tags.map((t) => t.tenantId).sort()).to.deep.equal([A, B])
        expect(allA.owner?.tenantId).to.equal(B)
        db().logger.clear()

        const boards = await runWithTenant(A, load)
        expectUnfilteredSql('fs_note', 'tenantId')
        expect(boards.map((b) => b.id)).to.deep.equal([seeded.boardA.id])
        const [board] = boards
        expect(board!.cards.map((c) => c.id)).to.deep.equal([seeded.cardA.id])
        const [card] = board!.cards
        expect(card!.notes.map((n) => n.id)).to.deep.equal([seeded.noteA.id])
        // stripped by the failsafe: undefined (which save ignores); not loaded at all under the filter: null
        expect(card!.assignee).to.equal(reported(undefined, null))
        expect(board!.owner).to.equal(reported(undefined, null))
        expect(board!.tags.map((t) => t.id)).to.deep.equal([seeded.tagA.id])
        for (const list of [board!.cards, card!.notes, board!.tags]) expect(list).to.be.instanceOf(FilteredRelationArray)

        const events = strippedEvents().map((e) => [e.entity, e.relation, e.primaryKey, e.path])
        expect(events.sort()).to.deep.equal(
          reported(
            [
              ['FsBoard', null, seeded.boardB.id, 'FsBoard'],
              ['FsCard', 'FsBoard.cards', seeded.cardB.id, 'FsBoard.cards'],
              ['FsNote', 'FsCard.notes', seeded.noteB.id, 'FsBoard.cards.notes'],
              ['FsPerson', 'FsCard.assignee', seeded.personB.id, 'FsBoard.cards.assignee'],
              ['FsTag', 'FsBoard.tags', seeded.tagB.id, 'FsBoard.tags'],
              ['FsPerson', 'FsBoard.owner', seeded.personB.id, 'FsBoard.owner'],
            ].sort(),
            [],
          ),
        )
        expect(strippedEvents().every((e) => e.expectedTenant === A && e.foundTenant === B)).to.equal(true)
        expect(failsafeCounters(db().dataSource).strippedRows).to.equal(reported(6, 0))
      })
    }
  })

  it('QueryBuilder joins (leftJoinAndSelect, getMany and getManyAndCount)', async () => {
    const build = () => repo(FsProject).createQueryBuilder('p').leftJoinAndSelect('p.tasks', 't').leftJoinAndSelect('p.labels', 'l').orderBy('p.id')
    const all = await runWithoutTenant(() => build().getMany())
    expect(all).to.have.length(2)
    const [projects] = await runWithTenant(A, () => build().getManyAndCount())
    expect(projects.map((p) => p.id)).to.deep.equal([seeded.projA.id])
    expect(projects[0]!.tasks.map((t) => t.id)).to.deep.equal([seeded.taskA.id])
    expect(projects[0]!.labels.map((l) => l.id)).to.deep.equal([seeded.labelA.id])
  })

  it('a lazy relation, once awaited, and relation().of().loadMany()', async () => {
    const allMilestones = await runWithoutTenant(async () => (await repo(FsProject).findOneByOrFail({ id: seeded.projA.id })).milestones)
    expect(allMilestones.map((m) => m.tenantId).sort()).to.deep.equal([A, B])

    const milestones = await runWithTenant(A, async () => {
      const project = await repo(FsProject).findOneByOrFail({ id: seeded.projA.id })
      logger.clear()
      return project.milestones
    })
    expect(milestones.map((m) => m.id)).to.deep.equal([seeded.milestoneA.id])
    expect(milestones).to.be.instanceOf(FilteredRelationArray)
    expect(strippedEvents().map((e) => [e.relation, e.primaryKey, e.path])).to.deep.equal(reported([['FsProject.milestones', seeded.milestoneB.id, 'FsProject.milestones']], []))

    logger.clear()
    const tasks = await runWithTenant(A, () => db().dataSource.createQueryBuilder().relation(FsProject, 'tasks').of(seeded.projA.id).loadMany<FsTask>())
    expect(tasks.map((t) => t.id)).to.deep.equal([seeded.taskA.id])
    expect(strippedEvents().map((e) => e.primaryKey)).to.deep.equal(reported([seeded.taskB.id], []))
  })

  it('tree children (findTrees, findDescendantsTree) and tree roots', async () => {
    const tree = db().dataSource.getTreeRepository(FsFolder)
    const allTrees = await runWithoutTenant(() => tree.findTrees())
    expect(allTrees.map((f) => f.name).sort()).to.deep.equal(['root-a', 'root-b'])
    expect(allTrees.find((f) => f.name === 'root-a')!.children.map((c) => c.name).sort()).to.deep.equal(['child-a', 'child-b planted under root-a'])

    const trees = await runWithTenant(A, () => tree.findTrees())
    expect(trees.map((f) => f.name)).to.deep.equal(['root-a'])
    expect(trees[0]!.children.map((c) => c.name)).to.deep.equal(['child-a'])
    expect(trees[0]!.children).to.be.instanceOf(FilteredRelationArray)
    expect(strippedEvents().map((e) => [e.relation, e.primaryKey]).sort()).to.deep.equal(
      reported([[null, seeded.rootB.id], ['FsFolder.children', seeded.childB.id]].sort(), []),
    )

    logger.clear()
    const root = await runWithTenant(A, async () => tree.findDescendantsTree(await tree.findOneByOrFail({ id: seeded.rootA.id })))
    expect(root.children.map((c) => c.name)).to.deep.equal(['child-a'])
    expect(strippedEvents().map((e) => e.primaryKey)).to.deep.equal(reported([seeded.childB.id], []))
  })

  it('keeps shared NULL-tenant rows and rows of unscoped entities', async () => {
    const templates = await runWithTenant(A, () => repo(FsTemplate).find({ order: { id: 'ASC' } }))
    expect(templates.map((t) => t.name)).to.deep.equal(['shared', 'template-a'])
    const customers = await runWithTenant(A, () => repo(FsCustomer).find())
    expect(customers.map((c) => c.name)).to.deep.equal(['Ada'])
    expect(strippedEvents().map((e) => e.entity)).to.deep.equal(reported(['FsTemplate'], []))
  })

  it("keeps the tenant's own rows when its id is spelled differently ('01' on an integer column)", async () => {
    const addresses = await runWithTenant('01', () => repo(FsAddress).find())
    expect(addresses.map((a) => a.merchantId)).to.deep.equal([A])
    expect(strippedEvents().map((e) => e.foundTenant)).to.deep.equal(reported([B], []))
  })

  it('two concurrent requests of different tenants each get exactly their rows', async () => {
    const load = (tenant: number) =>
      runWithTenant(tenant, async () => {
        await new Promise((resolve) => setImmediate(resolve))
        const customer = await repo(FsCustomer).findOneOrFail({ where: { id: seeded.customer.id }, relations: { addresses: true } })
        const project = await repo(FsProject).findOne({ where: { id: seeded.projA.id }, relations: { tasks: true } })
        return { merchants: customer.addresses.map((a) => a.merchantId), tasks: project?.tasks.map((t) => t.tenantId) ?? null }
      })
    const rounds = await Promise.all(Array.from({ length: 8 }, (_, i) => load(i % 2 === 0 ? A : B)))
    rounds.forEach((round, i) => {
      if (i % 2 === 0) expect(round).to.deep.equal({ merchants: [A], tasks: [A] })
      else expect(round).to.deep.equal({ merchants: [B], tasks: null }) // project-a is A's: not returned to B at all
    })
  })

  it('under runWithoutTenant nothing is stripped; with no context at all it fails closed', async () => {
    const all = await runWithoutTenant(() => repo(FsAddress).find())
    expect(all).to.have.length(2)
    expect(strippedEvents()).to.have.length(0)
    let error: unknown
    try {
      await repo(FsAddress).find()
    } catch (e) {
      error = e
    }
    expect(error).to.be.instanceOf(TenantContextMissingError)
  })
})
