import { expect } from 'chai'
import { Column, DataSource, Entity, PrimaryGeneratedColumn, Tree, TreeChildren, TreeParent, type DataSourceOptions, type TreeRepository } from 'typeorm'
import { getTenantTreeRepository, installTenancy, runWithTenant, runWithoutTenant, TenancyConfigurationError, TenantScoped } from '../../lib'
import { A, B } from '../fixtures/support-desk-model'
import { caught } from '../fixtures/query-access-paths'
import { expectTenantTerm } from '../fixtures/sql-assertions'
import { describeEachDialect, testDialects } from '../support/test-database'
import { tenancyOptions } from '../support/test-store'

@Entity()
@Tree('closure-table')
@TenantScoped('organizationId')
class ClosureFolder {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() name!: string
  @TreeChildren() children!: ClosureFolder[]
  @TreeParent() parent!: ClosureFolder | null
}

@Entity()
@Tree('materialized-path')
@TenantScoped('organizationId')
class PathFolder {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() name!: string
  @TreeChildren() children!: PathFolder[]
  @TreeParent() parent!: PathFolder | null
}

@Entity()
@Tree('nested-set')
@TenantScoped('organizationId')
class NestedFolder {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @TreeChildren() children!: NestedFolder[]
  @TreeParent() parent!: NestedFolder | null
}

interface Folder {
  id: number
  organizationId: number
  name: string
  children: Folder[]
  parent: Folder | null
}

const names = (rows: Folder[]) => rows.map((f) => f.name).sort()

for (const Target of [ClosureFolder, PathFolder]) {
  describeEachDialect(`tree repository (${Target === ClosureFolder ? 'closure-table' : 'materialized-path'})`, { entities: [Target] }, (db) => {
    const trees = () => getTenantTreeRepository(db().dataSource, Target) as unknown as TreeRepository<Folder>
    const asA = <R>(fn: () => Promise<R>): Promise<R> => runWithTenant(A, fn)
    const asAdmin = <R>(fn: () => Promise<R>): Promise<R> => runWithoutTenant(fn)
    let rootA: Folder, childA: Folder, rootB: Folder
    const lastTreeQuery = () => db().logger.last(/FROM "[^"]*"\."(closure|path)_folder" /)
    const expectFiltered = () => {
      const sent = lastTreeQuery()
      expectTenantTerm(sent, A)
    }

    before(async () => {
      await asAdmin(async () => {
        const m = db().dataSource.manager
        rootA = await m.save(Target, { organizationId: A, name: 'root A' }) as Folder
        childA = await m.save(Target, { organizationId: A, name: 'child A', parent: rootA }) as Folder
        // planted: a B folder under A's root
        await m.save(Target, { organizationId: B, name: 'child B under root A', parent: rootA })
        rootB = await m.save(Target, { organizationId: B, name: 'root B' }) as Folder
      })
    })

    it('findTrees / findRoots: the other tenant\'s roots and planted children are not returned', async () => {
      const all = await asAdmin(() => trees().findTrees())
      expect(names(all)).to.deep.equal(['root A', 'root B'])
      expect(names(all.find((f) => f.name === 'root A')!.children)).to.deep.equal(['child A', 'child B under root A'])

      const tree = await asA(() => trees().findTrees())
      expect(names(tree)).to.deep.equal(['root A'])
      expect(names(tree[0]!.children)).to.deep.equal(['child A'])
      expectFiltered()
      expect(names(await asA(() => trees().findRoots()))).to.deep.equal(['root A'])
      expectFiltered()
    })

    it('findDescendants / findDescendantsTree', async () => {
      expect(await asAdmin(() => trees().findDescendants(rootA))).to.have.length(3)
      expect(names(await asA(() => trees().findDescendants(rootA)))).to.deep.equal(['child A', 'root A'])
      expectFiltered()
      const tree = await asA(() => trees().findDescendantsTree(rootA))
      expect(names(tree.children)).to.deep.equal(['child A'])
    })

    it('findAncestors / findAncestorsTree: a foreign node has no ancestors for this tenant', async () => {
      expect(names(await asA(() => trees().findAncestors(childA)))).to.deep.equal(['child A', 'root A'])
      expectFiltered()
      expect(await asAdmin(() => trees().findAncestors(rootB))).to.have.length(1)
      expect(await asA(() => trees().findAncestors(rootB))).to.deep.equal([])
      expectFiltered()
    })

    it('countDescendants / countAncestors', async () => {
      expect(await asAdmin(() => trees().countDescendants(rootA))).to.equal(3)
      expect(await asA(() => trees().countDescendants(rootA))).to.equal(2)
      expectFiltered()
      expect(await asA(() => trees().countAncestors(rootB))).to.equal(0)
    })
  })
}

describe('a scoped nested-set tree', () => {
  it('is refused at initialize() with TenancyConfigurationError naming the entity and the fix', async function () {
    this.timeout(60_000)
    const namespace = await testDialects()[0]!.open()
    const dataSource = new DataSource({ ...namespace.options, entities: [NestedFolder], synchronize: false } as DataSourceOptions)
    try {
      installTenancy(dataSource, tenancyOptions())
      const error = await caught(() => dataSource.initialize())
      expect(error).to.be.instanceOf(TenancyConfigurationError)
      expect((error as TenancyConfigurationError).entity).to.equal('NestedFolder')
      expect((error as Error).message).to.match(/NestedFolder.*nested-set.*closure-table/s)
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy()
      await namespace.drop()
    }
  })
})
