import { expect } from 'chai'
import { Column, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm'
import { runWithTenant, runWithoutTenant, TenantContextMissingError, TenantScoped } from '../../lib'
import { A, B } from '../fixtures/support-desk-model'
import { caught } from '../fixtures/query-access-paths'
import { expectTenantTerm } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'

@Entity()
@TenantScoped('organizationId')
class LazyProject {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() name!: string
  @OneToMany(() => LazyTask, (t) => t.project, { lazy: true }) tasks!: Promise<LazyTask[]>
}

@Entity()
@TenantScoped('organizationId')
class LazyTask {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() title!: string
  @ManyToOne(() => LazyProject, (p) => p.tasks, { lazy: true }) project!: Promise<LazyProject | null>
  @Column() projectId!: number
}

/** Not scoped: one board object may be shared by every tenant (an in-memory cache). */
@Entity()
class LazyBoard {
  @PrimaryGeneratedColumn() id!: number
  @Column() title!: string
  @OneToMany(() => LazyNote, (n) => n.board, { lazy: true }) notes!: Promise<LazyNote[]>
  @ManyToOne(() => LazyProject, { lazy: true, nullable: true }) pinnedProject!: Promise<LazyProject | null>
  @Column({ type: 'int', nullable: true }) pinnedProjectId!: number | null
}

@Entity()
@TenantScoped('organizationId')
class LazyNote {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() text!: string
  @ManyToOne(() => LazyBoard, (b) => b.notes) board!: LazyBoard
  @Column() boardId!: number
}

describeEachDialect('lazy relations', { entities: [LazyProject, LazyTask, LazyBoard, LazyNote] }, (db) => {
  const ds = () => db().dataSource
  let projectA: LazyProject
  let plantedTaskId: number
  let boardId: number

  before(async () => {
    await runWithoutTenant(async () => {
      const m = ds().manager
      projectA = await m.save(m.create(LazyProject, { organizationId: A, name: 'project A' }))
      const projectB = await m.save(m.create(LazyProject, { organizationId: B, name: 'project B' }))
      await m.insert(LazyTask, [
        { organizationId: A, title: 'task A', projectId: projectA.id },
        { organizationId: B, title: 'task B planted in project A', projectId: projectA.id },
      ])
      const planted = await m.insert(LazyTask, { organizationId: A, title: 'task A planted in project B', projectId: projectB.id })
      plantedTaskId = (planted.identifiers[0] as { id: number }).id
      const board = await m.save(m.create(LazyBoard, { title: 'shared board', pinnedProjectId: projectB.id }))
      boardId = board.id
      await m.insert(LazyNote, [
        { organizationId: A, text: 'note A1', boardId },
        { organizationId: A, text: 'note A2', boardId },
        { organizationId: B, text: 'note B', boardId },
      ])
    })
  })

  const loadProject = () => ds().getRepository(LazyProject).findOneByOrFail({ id: projectA.id })

  it('a lazy one-to-many loads only the tenant\'s children', async () => {
    const all = await runWithoutTenant(async () => (await loadProject()).tasks)
    expect(all.map((t) => t.organizationId).sort()).to.deep.equal([A, B])
    const tasks = await runWithTenant(A, async () => (await loadProject()).tasks)
    expect(tasks.map((t) => t.title)).to.deep.equal(['task A'])
    const sent = db().logger.last(/"lazy_task"/)
    expectTenantTerm(sent, A)
  })

  it('the tenant in force is the one where the relation is read, not where the entity was loaded', async () => {
    const loadedByAdmin = await runWithoutTenant(loadProject)
    const tasks = await runWithTenant(A, () => loadedByAdmin.tasks)
    expect(tasks.map((t) => t.title)).to.deep.equal(['task A'])
    const outside = await runWithoutTenant(loadProject)
    expect(await caught(() => outside.tasks)).to.be.instanceOf(TenantContextMissingError)
  })

  it('a lazy many-to-one to a foreign parent resolves to null', async () => {
    const task = () => ds().getRepository(LazyTask).findOneByOrFail({ id: plantedTaskId })
    expect((await runWithoutTenant(async () => (await task()).project))?.organizationId).to.equal(B)
    expect(await runWithTenant(A, async () => (await task()).project)).to.equal(null)
  })

  describe('a lazy relation cached on an object shared by tenants', () => {
    const texts = (notes: LazyNote[]) => notes.map((n) => n.text).sort()
    /** The board, loaded once outside any request, as an in-memory cache would keep it. */
    const sharedBoard = () => runWithoutTenant(() => ds().getRepository(LazyBoard).findOneByOrFail({ id: boardId }))

    it('is loaded again for the tenant reading it, and fails closed with no tenant', async () => {
      const board = await sharedBoard()
      const asB = await runWithTenant(B, () => board.notes)
      expect(texts(asB)).to.deep.equal(['note B'])
      db().logger.clear()
      const asA = await runWithTenant(A, () => board.notes)
      expect(texts(asA)).to.deep.equal(['note A1', 'note A2'])
      expectTenantTerm(db().logger.last(/"lazy_note"/), A)
      db().logger.clear()
      expect(texts(await runWithTenant(A, () => board.notes)), 'cached for A').to.deep.equal(['note A1', 'note A2'])
      expect(db().logger.statements, 'a value loaded for A is returned to A from the cache').to.deep.equal([])
      const outside = await caught(() => board.notes)
      expect(outside).to.be.instanceOf(TenantContextMissingError)
      expect((outside as TenantContextMissingError).entity).to.equal('LazyNote')
      expect(db().logger.statements, 'no SQL without a tenant').to.deep.equal([])
      const all = await runWithoutTenant(() => board.notes)
      expect(texts(all)).to.deep.equal(['note A1', 'note A2', 'note B'])
      expect(texts(await runWithTenant(B, () => board.notes))).to.deep.equal(['note B'])
    })

    it('a bypass gets its own cache: one loaded under a tenant is reloaded, one loaded under a bypass is kept', async () => {
      const board = await sharedBoard()
      expect(texts(await runWithTenant(B, () => board.notes))).to.deep.equal(['note B'])
      expect(texts(await runWithoutTenant(() => board.notes))).to.deep.equal(['note A1', 'note A2', 'note B'])
      db().logger.clear()
      expect(texts(await runWithoutTenant(() => board.notes))).to.deep.equal(['note A1', 'note A2', 'note B'])
      expect(db().logger.statements).to.deep.equal([])
      expect(texts(await runWithTenant(A, () => board.notes))).to.deep.equal(['note A1', 'note A2'])
      expect(await caught(() => board.notes)).to.be.instanceOf(TenantContextMissingError)
    })

    it('concurrent tenants awaiting the same object each get their own rows', async () => {
      const board = await sharedBoard()
      expect(texts(await runWithTenant(B, () => board.notes)), 'B has rows of its own').to.deep.equal(['note B'])
      for (let round = 0; round < 5; round++) {
        const [a, b, a2, b2] = await Promise.all([
          runWithTenant(A, () => board.notes),
          runWithTenant(B, () => board.notes),
          runWithTenant(A, async () => {
            await Promise.resolve()
            return board.notes
          }),
          runWithTenant(B, () => board.notes),
        ])
        expect(texts(a), `round ${round}: A`).to.deep.equal(['note A1', 'note A2'])
        expect(texts(a2), `round ${round}: A, later`).to.deep.equal(['note A1', 'note A2'])
        expect(texts(b), `round ${round}: B`).to.deep.equal(['note B'])
        expect(texts(b2), `round ${round}: B, later`).to.deep.equal(['note B'])
      }
    })

    it('a value loaded by a join, or assigned by code, is reloaded for the tenant reading it', async () => {
      const joined = await runWithTenant(B, () => ds().getRepository(LazyBoard).findOneOrFail({ where: { id: boardId }, relations: { notes: true } }))
      expect(texts(await runWithTenant(B, () => joined.notes))).to.deep.equal(['note B'])
      expect(texts(await runWithTenant(A, () => joined.notes))).to.deep.equal(['note A1', 'note A2'])
      const assigned = await sharedBoard()
      assigned.notes = runWithoutTenant(() => ds().getRepository(LazyNote).findBy({ organizationId: B }))
      db().logger.clear()
      expect(texts(await runWithTenant(A, () => assigned.notes))).to.deep.equal(['note A1', 'note A2'])
      expectTenantTerm(db().logger.last(/"lazy_note"/), A)
    })

    it('a value assigned under a tenant is read back as assigned by that tenant, and reloaded for another', async () => {
      const board = await sharedBoard()
      const draft = Object.assign(new LazyNote(), { organizationId: A, text: 'draft A' })
      await runWithTenant(A, async () => {
        board.notes = Promise.resolve([draft])
        db().logger.clear()
        expect(texts(await board.notes)).to.deep.equal(['draft A'])
        expect(db().logger.statements.filter((q) => /"lazy_note"/.test(q.sql)), 'read back with no query').to.deep.equal([])
      })
      expect(texts(await runWithTenant(B, () => board.notes))).to.deep.equal(['note B'])
    })

    it('a lazy many-to-one cached under another tenant is reloaded', async () => {
      const board = await sharedBoard()
      expect((await runWithoutTenant(() => board.pinnedProject))?.organizationId, 'the pinned project is B\'s').to.equal(B)
      const asB = await runWithTenant(B, () => board.pinnedProject)
      expect(asB?.organizationId).to.equal(B)
      db().logger.clear()
      expect(await runWithTenant(A, () => board.pinnedProject)).to.equal(null)
      expectTenantTerm(db().logger.last(/"lazy_project"/), A)
      expect(await caught(() => board.pinnedProject)).to.be.instanceOf(TenantContextMissingError)
      expect((await runWithTenant(B, () => board.pinnedProject))?.organizationId).to.equal(B)
    })
  })
})
