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

describeEachDialect('lazy relations', { entities: [LazyProject, LazyTask] }, (db) => {
  const ds = () => db().dataSource
  let projectA: LazyProject
  let plantedTaskId: number

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
})
