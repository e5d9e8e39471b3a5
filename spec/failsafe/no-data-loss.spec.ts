import { expect } from 'chai'
import type { ObjectLiteral } from 'typeorm'
import { CrossTenantRowError, failsafeCounters, runWithoutTenant, runWithTenant } from '../../lib'
import { queryAsPostgres } from '../support/dialects/raw-query'
import { describeEachDialect } from '../support/test-database'
import {
  A,
  B,
  dataLossEntities,
  FsBasket,
  FsCharter,
  FsFolder,
  FsItemDelete,
  FsItemDisable,
  FsItemNullify,
  FsItemSoftDelete,
  FsLabel,
  FsMilestone,
  FsPerson,
  FsProject,
  RecordingLogger,
} from './failsafe-model'

/**
 * Stripping must never become a write. The query filter is off (test mode), so each load really holds rows of
 * B and the failsafe strips them; then the entity is saved (or removed), and plain SQL proves that B's rows
 * and junction links are exactly as before. A control per case shows what TypeORM does to B's rows when a
 * collection misses them, so every assertion here can fail.
 */
const logger = new RecordingLogger()

type ItemClass = typeof FsItemNullify | typeof FsItemDelete | typeof FsItemSoftDelete | typeof FsItemDisable
type BasketProperty = 'nullifyItems' | 'deleteItems' | 'softDeleteItems' | 'disableItems'

const orphanCases: Array<{ action: string; property: BasketProperty; item: ItemClass; control: (before: Row[], after: Row[]) => void }> = [
  { action: 'nullify', property: 'nullifyItems', item: FsItemNullify, control: (_, after) => expect(after[0]!['basketId']).to.equal(null) },
  { action: 'delete', property: 'deleteItems', item: FsItemDelete, control: (_, after) => expect(after).to.have.length(0) },
  { action: 'soft-delete', property: 'softDeleteItems', item: FsItemSoftDelete, control: (_, after) => expect(after[0]!['deletedAt']).not.to.equal(null) },
  { action: 'disable', property: 'disableItems', item: FsItemDisable, control: (before, after) => expect(after).to.deep.equal(before) },
]

type Row = Record<string, unknown>

describeEachDialect('Failsafe: no data loss after stripping (unsafeDisableQueryFilter: true)', { entities: dataLossEntities, tenancy: { unsafeDisableQueryFilter: true, logger } }, (db) => {
  const ds = () => db().dataSource
  const table = (target: Function, junctionOf?: string): string => {
    let metadata = ds().getMetadata(target)
    if (junctionOf) metadata = metadata.findRelationWithPropertyPath(junctionOf)!.junctionEntityMetadata!
    return metadata.schema ? `"${metadata.schema}"."${metadata.tableName}"` : `"${metadata.tableName}"`
  }
  /** Plain SQL, no builder: what the database really holds. */
  const sql = (query: string, parameters: unknown[] = []): Promise<Row[]> => queryAsPostgres<Row[]>(ds(), query, parameters)
  const writesSent = () => db().logger.statements.filter((q) => /^\s*(INSERT|UPDATE|DELETE)/i.test(q.sql))

  async function refused(fn: () => Promise<unknown>): Promise<CrossTenantRowError> {
    db().logger.clear()
    let error: unknown
    try {
      await fn()
    } catch (e) {
      error = e
    }
    expect(error, 'the write was not refused').to.be.instanceOf(CrossTenantRowError)
    expect((error as CrossTenantRowError).code).to.equal('CROSS_TENANT_ROW')
    expect(writesSent(), 'a write reached the database').to.have.length(0)
    return error as CrossTenantRowError
  }

  beforeEach(() => logger.clear())

  async function seedBasket(item: ItemClass, property: BasketProperty) {
    return runWithoutTenant(async () => {
      const m = ds().manager
      const basket = await m.save(FsBasket, { tenantId: A, name: 'basket-a' })
      const itemA = await m.save(item, m.create(item, { tenantId: A, name: 'item-a', basket }) as ObjectLiteral)
      const itemB = await m.save(item, m.create(item, { tenantId: B, name: 'item-b planted in basket-a', basket }) as ObjectLiteral)
      return { basket, itemA, itemB, property }
    })
  }

  const itemRows = (item: ItemClass, id: number) =>
    sql(`SELECT * FROM ${table(item)} WHERE id = $1 AND "tenantId" = $2 ${item === FsItemSoftDelete ? '' : ''}`, [id, B])

  for (const { action, property, item, control } of orphanCases) {
    describe(`one-to-many, orphanedRowAction '${action}'`, () => {
      it('save of the stripped parent is refused before any SQL, and B\'s row is unchanged; dropping the property makes it safe', async () => {
        const { basket, itemA, itemB } = await seedBasket(item, property)
        const before = await itemRows(item, itemB.id)
        expect(before, 'B has a row in A\'s basket').to.have.length(1)

        const loaded = await runWithTenant(A, () => ds().getRepository(FsBasket).findOneOrFail({ where: { id: basket.id }, relations: { [property]: true } }))
        expect(loaded[property].map((i) => i.id)).to.deep.equal([itemA.id])
        expect(logger.warnings.map((w) => w.obj['primaryKey'])).to.deep.equal([itemB.id])

        const error = await refused(() => runWithTenant(A, () => ds().getRepository(FsBasket).save(loaded)))
        expect(error.message).to.include(`FsBasket.${property}`).and.to.include('delete the relation property')
        expect(await itemRows(item, itemB.id)).to.deep.equal(before)

        // the same through the EntityManager and inside a transaction
        await refused(() => runWithTenant(A, () => ds().manager.save(loaded)))
        await refused(() => runWithTenant(A, () => ds().transaction((m) => m.save(loaded))))
        expect(await itemRows(item, itemB.id)).to.deep.equal(before)

        // not touching the relation: TypeORM ignores an undefined relation
        delete (loaded as Partial<FsBasket>)[property]
        loaded.name = `renamed-${action}`
        await runWithTenant(A, () => ds().getRepository(FsBasket).save(loaded))
        expect((await sql(`SELECT name FROM ${table(FsBasket)} WHERE id = $1`, [basket.id]))[0]!['name']).to.equal(`renamed-${action}`)
        expect(await itemRows(item, itemB.id)).to.deep.equal(before)
      })

      it('remove of the stripped parent is refused, and B\'s row is unchanged', async () => {
        const { basket, itemB } = await seedBasket(item, property)
        const before = await itemRows(item, itemB.id)
        const loaded = await runWithTenant(A, () => ds().getRepository(FsBasket).findOneOrFail({ where: { id: basket.id }, relations: { [property]: true } }))
        await refused(() => runWithTenant(A, () => ds().getRepository(FsBasket).remove(loaded)))
        expect(await itemRows(item, itemB.id)).to.deep.equal(before)
        expect((await sql(`SELECT id FROM ${table(FsBasket)} WHERE id = $1`, [basket.id])).length).to.equal(1)
      })

      it(`control: without the failsafe, a collection missing B's row makes TypeORM ${action === 'disable' ? 'leave it alone' : action + ' it'}`, async () => {
        const { basket, itemB } = await seedBasket(item, property)
        const before = await itemRows(item, itemB.id)
        await runWithoutTenant(async () => {
          const loaded = await ds().getRepository(FsBasket).findOneOrFail({ where: { id: basket.id }, relations: { [property]: true } })
          ;(loaded[property] as Array<{ id: number }>).splice(loaded[property].findIndex((i) => i.id === itemB.id), 1)
          await ds().getRepository(FsBasket).save(loaded)
        })
        control(before, await itemRows(item, itemB.id))
      })
    })
  }

  describe('many-to-many', () => {
    async function seedLinks() {
      return runWithoutTenant(async () => {
        const m = ds().manager
        const labelA = await m.save(FsLabel, { tenantId: A, text: 'm2m-a' })
        const labelB = await m.save(FsLabel, { tenantId: B, text: 'm2m-b' })
        const basket = await m.save(FsBasket, { tenantId: A, name: 'basket-m2m', labels: [labelA, labelB] })
        const projA = await m.save(FsProject, { tenantId: A, name: 'p-a', labels: [labelA] })
        const projB = await m.save(FsProject, { tenantId: B, name: 'p-b', labels: [labelA] })
        return { labelA, labelB, basket, projA, projB }
      })
    }
    const links = (junctionTable: string) => sql(`SELECT * FROM ${junctionTable} ORDER BY 1, 2`)

    it('owner side: save is refused and the junction rows are unchanged', async () => {
      const { basket, labelA } = await seedLinks()
      const before = await links(table(FsBasket, 'labels'))
      const loaded = await runWithTenant(A, () => ds().getRepository(FsBasket).findOneOrFail({ where: { id: basket.id }, relations: { labels: true } }))
      expect(loaded.labels.map((l) => l.id)).to.deep.equal([labelA.id])
      await refused(() => runWithTenant(A, () => ds().getRepository(FsBasket).save(loaded)))
      await refused(() => runWithTenant(A, () => ds().getRepository(FsBasket).remove(loaded)))
      expect(await links(table(FsBasket, 'labels'))).to.deep.equal(before)
    })

    it('inverse side: save is refused and the junction rows are unchanged', async () => {
      const { labelA, projA } = await seedLinks()
      const before = await links(table(FsProject, 'labels'))
      const loaded = await runWithTenant(A, () => ds().getRepository(FsLabel).findOneOrFail({ where: { id: labelA.id }, relations: { projects: true } }))
      expect(loaded.projects.map((p) => p.id)).to.deep.equal([projA.id])
      await refused(() => runWithTenant(A, () => ds().getRepository(FsLabel).save(loaded)))
      expect(await links(table(FsProject, 'labels'))).to.deep.equal(before)
    })

    it('control: without the failsafe, a collection missing B\'s label deletes the junction row', async () => {
      const { basket, labelB } = await seedLinks()
      const count = async () => (await sql(`SELECT * FROM ${table(FsBasket, 'labels')} WHERE "fsLabelId" = $1`, [labelB.id])).length
      expect(await count()).to.equal(1)
      await runWithoutTenant(async () => {
        const loaded = await ds().getRepository(FsBasket).findOneOrFail({ where: { id: basket.id }, relations: { labels: true } })
        loaded.labels = loaded.labels.filter((l) => l.id !== labelB.id)
        await ds().getRepository(FsBasket).save(loaded)
      })
      expect(await count()).to.equal(0)
    })
  })

  describe('to-one relations: a stripped row leaves the property undefined, which save ignores', () => {
    it('one-to-one inverse side: save leaves B\'s row linked; remove is refused', async () => {
      const { project, charterB } = await runWithoutTenant(async () => {
        const project = await ds().manager.save(FsProject, { tenantId: A, name: 'p-121' })
        const charterB = await ds().manager.save(FsCharter, { tenantId: B, text: 'charter-b', project })
        return { project, charterB }
      })
      const row = () => sql(`SELECT "projectId" FROM ${table(FsCharter)} WHERE id = $1`, [charterB.id])
      const before = await row()
      expect(before[0]!['projectId']).to.equal(project.id)
      const loaded = await runWithTenant(A, () => ds().getRepository(FsProject).findOneOrFail({ where: { id: project.id }, relations: { charter: true } }))
      expect(loaded.charter).to.equal(undefined)
      loaded.name = 'p-121 renamed'
      await runWithTenant(A, () => ds().getRepository(FsProject).save(loaded))
      expect(await row()).to.deep.equal(before)
      await refused(() => runWithTenant(A, () => ds().getRepository(FsProject).remove(loaded)))
      expect(await row()).to.deep.equal(before)
      // a value put back by the application would make TypeORM act on the hidden row: refused
      loaded.charter = null
      await refused(() => runWithTenant(A, () => ds().getRepository(FsProject).save(loaded)))
      expect(await row()).to.deep.equal(before)
    })

    it('one-to-one owner side: save keeps the foreign key to B\'s row', async () => {
      const { charter } = await runWithoutTenant(async () => {
        const projectB = await ds().manager.save(FsProject, { tenantId: B, name: 'p-o2o-owner-b' })
        return { charter: await ds().manager.save(FsCharter, { tenantId: A, text: 'charter-a pointing at b', project: projectB }) }
      })
      const row = () => sql(`SELECT "projectId", "text" FROM ${table(FsCharter)} WHERE id = $1`, [charter.id])
      const before = await row()
      expect(before[0]!['projectId']).not.to.equal(null)
      const loaded = await runWithTenant(A, () => ds().getRepository(FsCharter).findOneOrFail({ where: { id: charter.id }, relations: { project: true } }))
      expect(loaded.project).to.equal(undefined)
      loaded.text = 'charter-a renamed'
      await runWithTenant(A, () => ds().getRepository(FsCharter).save(loaded))
      const after = await row()
      expect(after[0]!['projectId']).to.equal(before[0]!['projectId'])
      expect(after[0]!['text']).to.equal('charter-a renamed')
    })

    it('many-to-one: save keeps the foreign key to B\'s row', async () => {
      const { project } = await runWithoutTenant(async () => {
        const owner = await ds().manager.save(FsPerson, { tenantId: B, name: 'owner-b' })
        return { project: await ds().manager.save(FsProject, { tenantId: A, name: 'p-m2o', owner }) }
      })
      const row = () => sql(`SELECT "ownerId" FROM ${table(FsProject)} WHERE id = $1`, [project.id])
      const before = await row()
      expect(before[0]!['ownerId']).not.to.equal(null)
      const loaded = await runWithTenant(A, () => ds().getRepository(FsProject).findOneOrFail({ where: { id: project.id }, relations: { owner: true } }))
      expect(loaded.owner).to.equal(undefined)
      loaded.name = 'p-m2o renamed'
      await runWithTenant(A, () => ds().getRepository(FsProject).save(loaded))
      expect(await row()).to.deep.equal(before)
    })
  })

  it('a lazy collection, once awaited: save is refused, B\'s row unchanged', async () => {
    const { project, milestoneB } = await runWithoutTenant(async () => {
      const project = await ds().manager.save(FsProject, { tenantId: A, name: 'p-lazy' })
      const milestoneB = await ds().manager.save(FsMilestone, ds().manager.create(FsMilestone, { tenantId: B, title: 'm-b', projectId: project.id }))
      return { project, milestoneB }
    })
    const row = () => sql(`SELECT "projectId" FROM ${table(FsMilestone)} WHERE id = $1`, [milestoneB.id])
    const before = await row()
    const loaded = await runWithTenant(A, () => ds().getRepository(FsProject).findOneByOrFail({ id: project.id }))
    expect(await runWithTenant(A, () => loaded.milestones)).to.deep.equal([])
    await refused(() => runWithTenant(A, () => ds().getRepository(FsProject).save(loaded)))
    expect(await row()).to.deep.equal(before)
  })

  it('tree children: save of a node that lost a child is refused, the child and the closure rows are unchanged', async () => {
    const { rootA, childB } = await runWithoutTenant(async () => {
      const rootA = await ds().manager.save(FsFolder, { tenantId: A, name: 'dl-root-a', parent: null })
      const childB = await ds().manager.save(FsFolder, { tenantId: B, name: 'dl-child-b', parent: rootA })
      return { rootA, childB }
    })
    const closure = ds().getMetadata(FsFolder).closureJunctionTable
    const closureTable = closure.schema ? `"${closure.schema}"."${closure.tableName}"` : `"${closure.tableName}"`
    const state = async () => ({
      child: await sql(`SELECT "parentId" FROM ${table(FsFolder)} WHERE id = $1`, [childB.id]),
      closure: await sql(`SELECT * FROM ${closureTable} ORDER BY 1, 2`),
    })
    const before = await state()
    const tree = ds().getTreeRepository(FsFolder)
    const loaded = await runWithTenant(A, async () => tree.findDescendantsTree(await tree.findOneByOrFail({ id: rootA.id })))
    expect(loaded.children).to.deep.equal([])
    await refused(() => runWithTenant(A, () => tree.save(loaded)))
    expect(await state()).to.deep.equal(before)
  })

  it('counts refused writes', () => {
    expect(failsafeCounters(ds()).refusedWrites).to.be.greaterThan(0)
  })
})
