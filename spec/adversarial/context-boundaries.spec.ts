import { expect } from 'chai'
import { EventEmitter } from 'node:events'
import { Column, DataSource, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn, type DataSourceOptions } from 'typeorm'
import { InvalidTenantIdError, runWithTenant, runWithoutTenant, TenancyError, TenantContextMissingError, TenantScoped } from '../../lib'
import { queryAsPostgres } from '../support/dialects/raw-query'
import { describeEachDialect } from '../support/test-database'
import { A, B } from './adversarial-model'

/** Not scoped; its cards (scoped) load eagerly. */
@Entity('adv_board')
class AdvBoard {
  @PrimaryGeneratedColumn() id!: number
  @Column() name!: string
  @OneToMany(() => AdvCard, (c) => c.board, { eager: true }) cards!: AdvCard[]
}

@Entity('adv_card')
@TenantScoped('orgId')
class AdvCard {
  @PrimaryGeneratedColumn() id!: number
  @Column() orgId!: number
  @Column() title!: string
  @ManyToOne(() => AdvBoard, (b) => b.cards, { nullable: true }) board!: AdvBoard | null
  /** A lazy relation; a B card is planted behind an A card. */
  @ManyToOne(() => AdvCard, { lazy: true, nullable: true }) related!: Promise<AdvCard | null>
}

/** A tenant column of type uuid. */
@Entity('adv_vault')
@TenantScoped('tenant')
class AdvVault {
  @PrimaryGeneratedColumn() id!: number
  @Column('uuid') tenant!: string
  @Column() secret!: string
}

const UA = '00000000-0000-4000-8000-00000000000a'
const UB = '00000000-0000-4000-8000-00000000000b'

describeEachDialect('adversarial: context boundaries and tenant id inputs', { entities: [AdvBoard, AdvCard, AdvVault] }, (db) => {
  const ds = () => db().dataSource
  let aCard: AdvCard
  let bCard: AdvCard

  before(async () => {
    await runWithoutTenant(async () => {
      const board = await ds().getRepository(AdvBoard).save({ name: 'shared board' })
      bCard = await ds().getRepository(AdvCard).save({ orgId: B, title: 'B card', board })
      aCard = await ds().getRepository(AdvCard).save({ orgId: A, title: 'A card', board })
      await queryAsPostgres(ds(), `UPDATE ${ds().getMetadata(AdvCard).tablePath.split('.').map((p) => `"${p}"`).join('.')} SET "relatedId" = $1 WHERE id = $2`, [bCard.id, aCard.id])
      await ds().getRepository(AdvVault).save([{ tenant: UA, secret: 'A secret' }, { tenant: UB, secret: 'B secret' }])
    })
  })

  const catchError = async (fn: () => unknown): Promise<unknown> => {
    try {
      await fn()
    } catch (error) {
      return error
    }
    return undefined
  }

  it('B has rows (seen under runWithoutTenant)', async () => {
    const cards = await runWithoutTenant(() => ds().getRepository(AdvCard).find())
    expect(cards.map((c) => c.orgId)).to.include(B)
    const vaults = await runWithoutTenant(() => ds().getRepository(AdvVault).find())
    expect(vaults.map((v) => v.tenant)).to.include(UB)
  })

  it('an unscoped entity with an eager scoped relation: only the tenant\'s cards; no tenant fails closed', async () => {
    const boards = await runWithTenant(A, () => ds().getRepository(AdvBoard).find())
    expect(boards[0]!.cards.map((c) => c.title)).to.deep.equal(['A card'])
    db().logger.clear()
    expect(await catchError(() => ds().getRepository(AdvBoard).find())).to.be.instanceOf(TenantContextMissingError)
    expect(db().logger.statements.filter((q) => /adv_card/.test(q.sql))).to.have.length(0)
  })

  it('a lazy relation to a B row, awaited under A, outside any context and under B', async () => {
    const card = await runWithTenant(A, () => ds().getRepository(AdvCard).findOneByOrFail({ id: aCard.id }))
    expect(await runWithTenant(A, async () => await card.related)).to.equal(null)
    const fresh = await runWithTenant(A, () => ds().getRepository(AdvCard).findOneByOrFail({ id: aCard.id }))
    db().logger.clear()
    expect(await catchError(async () => await fresh.related)).to.be.instanceOf(TenantContextMissingError)
  })

  it('nested contexts: the inner one wins and the outer one is back afterwards', async () => {
    const repo = () => ds().getRepository(AdvCard)
    const seen = await runWithTenant(A, async () => {
      const all = await runWithoutTenant(() => repo().find())
      const again = await repo().find()
      const asB = await runWithTenant(B, () => repo().find())
      const afterB = await repo().find()
      return { all: all.length, again: again.map((c) => c.orgId), asB: asB.map((c) => c.orgId), afterB: afterB.map((c) => c.orgId) }
    })
    expect(seen).to.deep.equal({ all: 2, again: [A], asB: [B], afterB: [A] })
    const bypassOuter = await runWithoutTenant(async () => {
      const inner = await runWithTenant(A, () => repo().find())
      const outer = await repo().find()
      return { inner: inner.map((c) => c.orgId), outer: outer.length }
    })
    expect(bypassOuter).to.deep.equal({ inner: [A], outer: 2 })
  })

  it('queryRunner.manager, a transaction\'s manager and a second, uninstalled DataSource', async () => {
    const viaRunner = await runWithTenant(A, async () => {
      const runner = ds().createQueryRunner()
      try {
        return await runner.manager.find(AdvCard)
      } finally {
        await runner.release()
      }
    })
    expect(viaRunner.map((c) => c.orgId)).to.deep.equal([A])
    const viaTx = await runWithTenant(A, () => ds().transaction((m) => m.createQueryBuilder(AdvCard, 'c').getMany()))
    expect(viaTx.map((c) => c.orgId)).to.deep.equal([A])

    // creating another DataSource (TypeORM resets global builder state in its constructor) does not weaken this one
    const other = new DataSource({ ...(ds().options as DataSourceOptions), entities: [AdvBoard, AdvCard, AdvVault], synchronize: false, logger: undefined, logging: false })
    expect(other.isInitialized).to.equal(false)
    const after = await runWithTenant(A, () => ds().getRepository(AdvCard).find())
    expect(after.map((c) => c.orgId)).to.deep.equal([A])
  })

  it('a shared EventEmitter fired outside any request gives its listener no tenant (fail closed), never the last request\'s', async () => {
    const bus = new EventEmitter()
    const results: unknown[] = []
    bus.on('job', (done: () => void) => {
      ds()
        .getRepository(AdvCard)
        .find()
        .then((rows) => results.push(rows.map((c) => c.orgId)), (error: unknown) => results.push(error))
        .finally(done)
    })
    // a request of B that uses the bus, then leaves
    await runWithTenant(B, async () => {
      await new Promise<void>((resolve) => bus.emit('job', resolve))
      await new Promise((resolve) => setTimeout(resolve, 1))
    })
    // fired outside any request, right after, from a timer and from a microtask
    await new Promise<void>((resolve) => bus.emit('job', resolve))
    await new Promise<void>((resolve) => setTimeout(() => bus.emit('job', resolve), 1))
    await Promise.resolve().then(() => new Promise<void>((resolve) => bus.emit('job', resolve)))
    expect(results[0]).to.deep.equal([B])
    for (const outside of results.slice(1)) expect(outside).to.be.instanceOf(TenantContextMissingError)
    expect(results).to.have.length(4)
  })

  it('hostile tenant ids on an integer column never reach B\'s rows', async () => {
    const hostile: unknown[] = ['1 OR 1=1', "1'; --", '2 OR 1=1', ' 1', '1 ', '0x2', '1e0', 1.5, 1e21, -0, Number.MAX_SAFE_INTEGER + 2]
    for (const tenant of hostile) {
      let rows: AdvCard[] | undefined
      const error = await catchError(async () => {
        rows = await runWithTenant(tenant as number, () => ds().getRepository(AdvCard).find())
      })
      const label = `tenant ${JSON.stringify(tenant)}: ${String(error)}`
      if (error === undefined) expect(rows!.map((c) => c.orgId), label).to.not.include(B)
      else expect(error instanceof TenancyError || /invalid input syntax|out of range/i.test(String(error)), label).to.equal(true)
    }
    for (const empty of [undefined, null, '', '   ', Number.NaN, Number.POSITIVE_INFINITY, {}, [], 2n]) {
      expect(await catchError(() => runWithTenant(empty as never, () => ds().getRepository(AdvCard).find())), String(empty)).to.be.instanceOf(InvalidTenantIdError)
    }
  })

  it('hostile tenant ids on a uuid column never reach B\'s rows', async function () {
    expect((await runWithTenant(UA, () => ds().getRepository(AdvVault).find())).map((v) => v.secret)).to.deep.equal(['A secret'])
    for (const tenant of [`${UA}' OR '1'='1`, `${UA} OR 1=1`, '%', UA.slice(0, -1) + '%', 7]) {
      let rows: AdvVault[] | undefined
      const error = await catchError(async () => {
        rows = await runWithTenant(tenant, () => ds().getRepository(AdvVault).find())
      })
      if (error === undefined) expect(rows!.map((v) => v.tenant), String(tenant)).to.not.include(UB)
      else expect(error instanceof TenancyError || /invalid input syntax|operator does not exist/i.test(String(error)), `${String(tenant)}: ${String(error)}`).to.equal(true)
    }
  })
})
