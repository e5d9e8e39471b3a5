import { expect } from 'chai'
import { Column, Entity, JoinTable, ManyToMany, ManyToOne, PrimaryGeneratedColumn } from 'typeorm'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant, TenantContextMissingError, TenantScoped, UnfilterableQueryError } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { expectRefused, rawRows } from './write-helpers'

/**
 * Writes that reach a scoped table outside the filtered builders, found by the second adversarial review:
 * `clear()` (TRUNCATE), a QueryBuilder UPDATE of a many-to-many junction row, and an unscoped entity whose
 * foreign key points at a scoped row. Each case first shows the other tenant's rows, then that they are
 * unchanged (read back with plain SQL).
 */
const A = 1
const B = 2

@Entity('uw_tag')
@TenantScoped('organizationId')
class UwTag {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() name!: string
}

@Entity('uw_ticket')
@TenantScoped('organizationId')
class UwTicket {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() title!: string
  @ManyToMany(() => UwTag) @JoinTable({ name: 'uw_ticket_tag' }) tags!: UwTag[]
}

/** Shared by every tenant (not scoped), pointing at a scoped ticket. */
@Entity('uw_board')
class UwBoard {
  @PrimaryGeneratedColumn() id!: number
  @Column() name!: string
  @ManyToOne(() => UwTicket, { nullable: true }) pinnedTicket!: UwTicket | null
  @Column({ type: 'int', nullable: true }) pinnedTicketId!: number | null
}

/** A setting whose code is unique across tenants (a global natural key): upserts conflict on it. */
@Entity('uw_setting')
@TenantScoped('organizationId')
class UwSetting {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column({ unique: true }) code!: string
  @Column() value!: string
}

/** A shared row that scoped rows of every tenant reference with ON DELETE CASCADE. */
@Entity('uw_shared')
class UwShared {
  @PrimaryGeneratedColumn() id!: number
  @Column() name!: string
}

@Entity('uw_shared_use')
@TenantScoped('organizationId')
class UwSharedUse {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @ManyToOne(() => UwShared, { onDelete: 'CASCADE' }) shared!: UwShared
  @Column() sharedId!: number
}

/** A table only the bypass case clears. */
@Entity('uw_scratch')
@TenantScoped('organizationId')
class UwScratch {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
}

describeEachDialect('Writes outside the filtered builders: clear(), junction updates, unscoped foreign keys', { entities: [UwTag, UwTicket, UwBoard, UwScratch, UwSetting, UwShared, UwSharedUse] }, (db) => {
  let aTicket: UwTicket
  let bTicket: UwTicket
  let aTag: UwTag
  let bTag: UwTag
  let board: UwBoard
  let before: string

  const snapshot = async (): Promise<string> =>
    JSON.stringify(await Promise.all(['uw_tag', 'uw_ticket', 'uw_board'].map((table) => rawRows(db().dataSource, table))).then(async (rows) => [...rows, await rawRows(db().dataSource, 'uw_ticket_tag', 'uwTicketId')]))

  beforeEach(async () => {
    await runWithoutTenant(async () => {
      const ds = db().dataSource
      const junction = ds.getMetadata(UwTicket).manyToManyRelations[0]!.junctionEntityMetadata!
      for (const target of [junction.target, UwBoard, UwTicket, UwTag]) await ds.createQueryBuilder().delete().from(target).execute()
      aTag = await ds.getRepository(UwTag).save({ organizationId: A, name: 'a tag' })
      bTag = await ds.getRepository(UwTag).save({ organizationId: B, name: 'b tag' })
      aTicket = await ds.getRepository(UwTicket).save({ organizationId: A, title: 'a ticket', tags: [aTag] })
      bTicket = await ds.getRepository(UwTicket).save({ organizationId: B, title: 'b ticket', tags: [bTag] })
      board = await ds.getRepository(UwBoard).save({ name: 'wall', pinnedTicketId: aTicket.id })
    })
    before = await snapshot()
  })

  it("the other tenant's rows and links exist (precondition)", async () => {
    const tickets = await rawRows(db().dataSource, 'uw_ticket')
    expect(tickets.filter((r) => r['organizationId'] === B)).to.have.length(1)
    const links = await rawRows(db().dataSource, 'uw_ticket_tag', 'uwTicketId')
    expect(links.map((r) => [r['uwTicketId'], r['uwTagId']])).to.deep.include([bTicket.id, bTag.id])
  })

  describe('clear() (TRUNCATE)', () => {
    it('is refused under a tenant with UnfilterableQueryError, and no TRUNCATE is sent', async () => {
      for (const clear of [() => db().dataSource.getRepository(UwTicket).clear(), () => db().dataSource.manager.clear(UwTag)]) {
        db().logger.clear()
        let error: unknown
        await runWithTenant(A, clear).catch((e: unknown) => (error = e))
        expect(error, String(error)).to.be.instanceOf(UnfilterableQueryError)
        expect(String(error)).to.match(/TRUNCATE/).and.match(/runWithoutTenant/)
        expect(db().logger.statements.filter((q) => /TRUNCATE|DELETE/i.test(q.sql))).to.deep.equal([])
      }
      expect(await snapshot()).to.equal(before)
    })

    it('fails closed with no tenant in context', async () => {
      db().logger.clear()
      let error: unknown
      await db().dataSource.getRepository(UwTicket).clear().catch((e: unknown) => (error = e))
      expect(error, String(error)).to.be.instanceOf(TenantContextMissingError)
      expect(db().logger.statements.filter((q) => /TRUNCATE|DELETE/i.test(q.sql))).to.deep.equal([])
      expect(await snapshot()).to.equal(before)
    })

    it('empties the whole table inside runWithoutTenant', async () => {
      await runWithoutTenant(() => db().dataSource.getRepository(UwScratch).save([{ organizationId: A }, { organizationId: B }]))
      await runWithoutTenant(() => db().dataSource.getRepository(UwScratch).clear())
      expect(await rawRows(db().dataSource, 'uw_scratch')).to.deep.equal([])
    })

    it('with { cascade: true } (TRUNCATE ... CASCADE reaches scoped tables) is refused under a tenant even for an unscoped entity', async () => {
      // 1.x: clear(target, { cascade }); 0.3 has no such option (TypeORM ignores it) but the plugin refuses it alike
      const clearCascade = (target: Function) => {
        const manager = db().dataSource.manager
        return (manager.clear as (this: typeof manager, t: Function, o: object) => Promise<void>).call(manager, target, { cascade: true })
      }
      for (const clear of [() => clearCascade(UwBoard), () => clearCascade(UwTicket)]) {
        db().logger.clear()
        let error: unknown
        await runWithTenant(A, clear).catch((e: unknown) => (error = e))
        expect(error, String(error)).to.be.instanceOf(UnfilterableQueryError)
        expect(db().logger.statements.filter((q) => /TRUNCATE|DELETE/i.test(q.sql))).to.deep.equal([])
      }
      let missing: unknown
      await clearCascade(UwBoard).catch((e: unknown) => (missing = e))
      expect(missing, String(missing)).to.be.instanceOf(TenantContextMissingError)
      expect(await snapshot()).to.equal(before)
    })

    it('of an unscoped entity is untouched by the plugin', async () => {
      await runWithTenant(A, () => db().dataSource.getRepository(UwBoard).clear())
      expect(await rawRows(db().dataSource, 'uw_board')).to.deep.equal([])
    })
  })

  describe('a QueryBuilder UPDATE of a junction row', () => {
    const junction = () => db().dataSource.getMetadata(UwTicket).manyToManyRelations[0]!.junctionEntityMetadata!

    it("cannot point the tenant's own link at another tenant's row", async () => {
      await expectRefused(db().logger, () =>
        runWithTenant(A, () =>
          db()
            .dataSource.createQueryBuilder()
            .update(junction().target)
            .set({ uwTagId: bTag.id } as never)
            .where({ uwTicketId: aTicket.id } as never)
            .execute(),
        ),
      )
      expect(await snapshot()).to.equal(before)
    })

    it("can repoint it at the tenant's own row", async () => {
      const other = await runWithTenant(A, () => db().dataSource.getRepository(UwTag).save({ name: 'a other' }))
      const result = await runWithTenant(A, () =>
        db()
          .dataSource.createQueryBuilder()
          .update(junction().target)
          .set({ uwTagId: other.id } as never)
          .where({ uwTicketId: aTicket.id } as never)
          .execute(),
      )
      expect(result.affected ?? 1).to.equal(1)
      const links = await rawRows(db().dataSource, 'uw_ticket_tag', 'uwTicketId')
      expect(links.map((r) => [r['uwTicketId'], r['uwTagId']])).to.deep.equal([
        [aTicket.id, other.id],
        [bTicket.id, bTag.id],
      ])
    })
  })

  describe("an unscoped entity's foreign key to a scoped entity, written under a tenant", () => {
    const boards = () => db().dataSource.getRepository(UwBoard)
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['update() through the relation', () => boards().update(board.id, { pinnedTicket: { id: bTicket.id } })],
      ['update() through the join column', () => boards().update(board.id, { pinnedTicketId: bTicket.id })],
      ['save() of a loaded entity', async () => boards().save({ ...(await boards().findOneByOrFail({ id: board.id })), pinnedTicketId: bTicket.id })],
      ['save() of a new entity', () => boards().save({ name: 'planted', pinnedTicket: { id: bTicket.id } as UwTicket })],
      ['insert()', () => boards().insert({ name: 'planted', pinnedTicketId: bTicket.id })],
      ['QueryBuilder update', () => boards().createQueryBuilder().update().set({ pinnedTicketId: bTicket.id }).where('id = :id', { id: board.id }).execute()],
    ]
    for (const [name, write] of cases) {
      it(`${name}: refused with CrossTenantWriteError, nothing written`, async () => {
        await expectRefused(db().logger, () => runWithTenant(A, write))
        expect(await snapshot()).to.equal(before)
      })
    }

    it("pointing it at the tenant's own row works, and under runWithoutTenant any row may be named", async () => {
      const own = await runWithTenant(A, () => db().dataSource.getRepository(UwTicket).save({ title: 'a second' }))
      await runWithTenant(A, () => boards().update(board.id, { pinnedTicketId: own.id }))
      await runWithoutTenant(() => boards().insert({ name: 'admin', pinnedTicketId: bTicket.id }))
      const rows = await rawRows(db().dataSource, 'uw_board')
      expect(rows.map((r) => [r['name'], r['pinnedTicketId']])).to.deep.equal([
        ['wall', own.id],
        ['admin', bTicket.id],
      ])
    })
  })

  describe("an upsert's raw texts (overwriteCondition, indexPredicate) cannot escape the tenant condition", () => {
    const settings = () => db().dataSource.getRepository(UwSetting)
    const rows = () => rawRows(db().dataSource, 'uw_setting')
    beforeEach(async () => {
      await runWithoutTenant(async () => {
        await settings().createQueryBuilder().delete().execute()
        await settings().save({ organizationId: B, code: 'b-webhook', value: 'https://b.example/hook' })
      })
    })
    const attempts: Array<[string, () => Promise<unknown>]> = [
      [
        'an overwriteCondition closing its parentheses',
        () =>
          settings().createQueryBuilder().insert().values({ code: 'b-webhook', value: 'https://attacker/1' })
            .orUpdate(['value'], ['code'], { overwriteCondition: { where: '1=1) OR (1=1' } } as never).execute(),
      ],
      [
        'an indexPredicate closing its parentheses',
        () =>
          settings().createQueryBuilder().insert().values({ code: 'b-webhook', value: 'https://attacker/2' })
            .orUpdate(['value'], ['code'], { indexPredicate: '"code" IS NOT NULL) DO UPDATE SET "value" = EXCLUDED."value" --' } as never).execute(),
      ],
    ]
    for (const [name, attempt] of attempts) {
      it(`${name}: refused before any SQL, B's row unchanged`, async function () {
        if (db().dialect.upsert !== 'on-conflict') this.skip() // MySQL/MariaDB: no such clauses (and upserts there are keyed by tenant)
        const before = JSON.stringify(await rows())
        expect(before).to.include('b.example')
        await expectRefused(db().logger, () => runWithTenant(A, attempt), UnfilterableQueryError)
        expect(JSON.stringify(await rows())).to.equal(before)
      })
    }

    it('a plain orUpdate on the global key leaves B\'s row alone (control: the tenant condition on DO UPDATE)', async function () {
      if (db().dialect.upsert !== 'on-conflict') this.skip()
      const before = JSON.stringify(await rows())
      const outcome = await runWithTenant(A, () => settings().createQueryBuilder().insert().values({ code: 'b-webhook', value: 'https://attacker/3' }).orUpdate(['value'], ['code']).execute()).catch((e: unknown) => e)
      expect(outcome instanceof CrossTenantWriteError || !(outcome instanceof Error), String(outcome)).to.equal(true)
      expect(JSON.stringify(await rows())).to.equal(before)
    })
  })

  describe('a delete of a shared (unscoped) row that scoped rows reference with ON DELETE CASCADE', () => {
    let shared: UwShared
    beforeEach(async () => {
      await runWithoutTenant(async () => {
        await db().dataSource.createQueryBuilder().delete().from(UwSharedUse).execute()
        await db().dataSource.createQueryBuilder().delete().from(UwShared).execute()
        shared = await db().dataSource.getRepository(UwShared).save({ name: 'shared' })
        await db().dataSource.getRepository(UwSharedUse).save([
          { organizationId: A, sharedId: shared.id },
          { organizationId: B, sharedId: shared.id },
        ])
      })
    })
    const uses = async () => (await rawRows(db().dataSource, 'uw_shared_use')).map((r) => r['organizationId']).sort()

    it("is refused under a tenant (the database would delete B's rows too); nothing is sent", async () => {
      expect(await uses()).to.deep.equal([A, B])
      const removals: Array<() => Promise<unknown>> = [
        () => db().dataSource.getRepository(UwShared).delete(shared.id),
        () => db().dataSource.getRepository(UwShared).remove(Object.assign(new UwShared(), shared)),
        () => db().dataSource.createQueryBuilder().delete().from(UwShared).where('id = :id', { id: shared.id }).execute(),
      ]
      for (const remove of removals) {
        await expectRefused(db().logger, () => runWithTenant(A, remove), UnfilterableQueryError)
      }
      expect(await uses()).to.deep.equal([A, B])
    })

    it('is allowed inside runWithoutTenant (an admin job), and the database cascades', async () => {
      await runWithoutTenant(() => db().dataSource.getRepository(UwShared).delete(shared.id))
      expect(await uses()).to.deep.equal([])
    })
  })
})
