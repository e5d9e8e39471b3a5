import { expect } from 'chai'
import {
  Column,
  Entity,
  EventSubscriber,
  ManyToOne,
  PrimaryGeneratedColumn,
  Tree,
  TreeChildren,
  TreeParent,
  type EntitySubscriberInterface,
  type InsertEvent,
} from 'typeorm'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant, TenantContextMissingError, TenantScoped } from '../../lib'
import { rawRows } from '../write/write-helpers'
import { describeEachDialect } from '../support/test-database'
import { A, B } from './adversarial-model'

/**
 * FIXED (fourth adversarial round):
 * - HIGH: closure tables were not tenant-scoped. Any tenant (and code with no tenant) could read every tenant's
 *   (ancestor, descendant) pairs and delete or insert them through a QueryBuilder; and a `save()` of A's node with
 *   B's node id pushed into its `children` rewrote B's closure rows with raw SQL (TypeORM's ClosureSubjectExecutor)
 *   before the filtered UPDATE, moving B's subtree under A's root. Closure tables are now scoped like many-to-many
 *   junctions (EXISTS on the ancestor and the descendant), and a moved node must be a row of the tenant.
 * - MEDIUM: the references a `save()` batch verified were reused by any write on the same query runner, so a
 *   listener writing under `runWithTenant(B)` inside A's batch linked B's row to A's row unchecked. A batch's
 *   verified references now count only for the tenant it was verified under.
 */
@Entity('nt_node')
@Tree('closure-table', { closureTableName: 'nt_node' })
@TenantScoped('organizationId')
class NtNode {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() name!: string
  @TreeChildren() children!: NtNode[]
  @TreeParent() parent!: NtNode | null
}

@Entity('nt_ticket')
@TenantScoped('organizationId')
class NtTicket {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() title!: string
}

@Entity('nt_comment')
@TenantScoped('organizationId')
class NtComment {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() body!: string
  @ManyToOne(() => NtTicket, { nullable: true }) ticket!: NtTicket | null
  @Column({ type: 'int', nullable: true }) ticketId!: number | null
}

/** A listener that, inside A's save, writes as tenant B a comment pointing at the ticket A's comment names. */
@EventSubscriber()
class PlantUnderAnotherTenant implements EntitySubscriberInterface<NtComment> {
  listenTo(): Function {
    return NtComment
  }

  async afterInsert(event: InsertEvent<NtComment>): Promise<void> {
    if (event.entity.body !== 'trigger') return
    await runWithTenant(B, () => event.manager.insert(NtComment, { body: 'planted by B', ticketId: event.entity.ticketId }))
  }
}

describeEachDialect(
  'adversarial: closure tables and a tenant switched inside a batch',
  { entities: [NtNode, NtTicket, NtComment], extra: { subscribers: [PlantUnderAnotherTenant] } },
  (db) => {
    const ds = () => db().dataSource
    const closure = () => ds().getMetadata(NtNode).closureJunctionTable
    const pairs = async () =>
      (await rawRows(ds(), closure().tableName, 'id_descendant')).map((r) => `${String(r['id_ancestor'])}>${String(r['id_descendant'])}`).sort()
    let rootA: NtNode
    let rootB: NtNode
    let childB: NtNode
    let leafB: NtNode
    let before: string[]

    beforeEach(async () => {
      await runWithoutTenant(async () => {
        await ds().createQueryBuilder().delete().from(closure().target).execute()
        // children first: MariaDB checks the self-referencing foreign key row by row
        await ds().createQueryBuilder().update(NtNode).set({ parent: null }).execute()
        await ds().createQueryBuilder().delete().from(NtNode).execute()
        const tree = ds().getTreeRepository(NtNode)
        rootA = await tree.save(Object.assign(new NtNode(), { organizationId: A, name: 'A root', parent: null }))
        rootB = await tree.save(Object.assign(new NtNode(), { organizationId: B, name: 'B root', parent: null }))
        childB = await tree.save(Object.assign(new NtNode(), { organizationId: B, name: 'B child', parent: rootB }))
        leafB = await tree.save(Object.assign(new NtNode(), { organizationId: B, name: 'B leaf', parent: childB }))
      })
      before = await pairs()
    })

    it("B's tree exists in the closure table (precondition)", () => {
      expect(before).to.include.members([`${rootB.id}>${childB.id}`, `${rootB.id}>${leafB.id}`, `${childB.id}>${leafB.id}`])
    })

    it("the closure table read through a QueryBuilder shows A only its own pairs; with no tenant it fails closed", async () => {
      const read = () => ds().createQueryBuilder(closure().target, 'c').getRawMany<Record<string, unknown>>()
      const mine = await runWithTenant(A, read)
      expect(mine.map((r) => `${String(r['c_id_ancestor'] ?? r['id_ancestor'])}>${String(r['c_id_descendant'] ?? r['id_descendant'])}`)).to.deep.equal([`${rootA.id}>${rootA.id}`])
      let error: unknown
      await read().catch((e: unknown) => (error = e))
      expect(error, String(error)).to.be.instanceOf(TenantContextMissingError)
    })

    it("a QueryBuilder DELETE of B's closure rows under A changes nothing", async () => {
      await runWithTenant(A, () => ds().createQueryBuilder().delete().from(closure().target).where('id_ancestor = :b', { b: rootB.id }).execute())
      expect(await pairs()).to.deep.equal(before)
    })

    it("save() of A's root with B's node pushed into its children is refused, and B's closure rows are unchanged", async () => {
      const tree = ds().getTreeRepository(NtNode)
      const error = await runWithTenant(A, async () => {
        const root = await tree.findOneOrFail({ where: { id: rootA.id }, relations: { children: true } })
        root.children.push({ id: childB.id } as NtNode)
        return tree.save(root).then(
          () => undefined,
          (e: unknown) => e,
        )
      })
      expect(error, String(error)).to.be.instanceOf(CrossTenantWriteError)
      expect(await pairs()).to.deep.equal(before)
      const descendants = await runWithTenant(B, () => tree.findDescendants(rootB))
      expect(descendants.map((n) => n.name).sort()).to.deep.equal(['B child', 'B leaf', 'B root'])
    })

    it("the tenant's own tree still moves: a node of A re-parented under another node of A", async () => {
      const tree = ds().getTreeRepository(NtNode)
      await runWithTenant(A, async () => {
        const other = await tree.save(Object.assign(new NtNode(), { name: 'A other', parent: null }))
        const leaf = await tree.save(Object.assign(new NtNode(), { name: 'A leaf', parent: rootA }))
        leaf.parent = other
        await tree.save(leaf)
        expect((await tree.findAncestors(leaf)).map((n) => n.name).sort()).to.deep.equal(['A leaf', 'A other'])
      })
    })

    it('a write under another tenant nested in a batch (a listener) checks its own references', async () => {
      const ticketA = await runWithoutTenant(() => ds().getRepository(NtTicket).save({ organizationId: A, title: 'A ticket' }))
      let error: unknown
      await runWithTenant(A, () => ds().getRepository(NtComment).save({ body: 'trigger', ticketId: ticketA.id })).catch((e: unknown) => (error = e))
      expect(error, String(error)).to.be.instanceOf(CrossTenantWriteError)
      const planted = (await rawRows(ds(), 'nt_comment')).filter((r) => r['body'] === 'planted by B')
      expect(planted).to.deep.equal([])
    })
  },
)
