import { expect } from 'chai'
import { AsyncLocalStorage } from 'node:async_hooks'
import { AfterLoad, Column, DataSource, Entity, EventSubscriber, ManyToOne, OneToMany, PrimaryGeneratedColumn, type DataSourceOptions, type EntitySubscriberInterface, type LoadEvent } from 'typeorm'
import { allowUnprotectedDataSource, CrossTenantRowError, runWithoutTenant, runWithTenant, TenantContextMissingError, TenantScoped, type TenantContext, type TenantStore } from '../../lib'
import { describeEachDialect, type TestDataSource } from '../support/test-database'
import { A, B, FsAddress, FsCustomer, FsPerson, FsProject, FsTask, leakEntities, RecordingLogger } from './failsafe-model'
import { seedLeaks, type SeededLeaks } from './seed-failsafe'

/**
 * The failsafe checks a join-loaded result inside TypeORM's load broadcast and lets the query return TypeORM's
 * own promise. These are the edges of that fast path, found by an adversarial review; each runs with the query
 * filter off, so the rows of tenant B really reach the failsafe (each test first shows they are loaded).
 */
const personTenants = (rows: FsPerson[]) => rows.map((r) => r.tenantId).sort()
const addressTenants = (rows: FsCustomer[]) => rows.flatMap((c) => c.addresses.map((a) => a.merchantId)).sort()

/** A second DataSource on the same database, without tenancy (an admin connection, a reporting replica...). */
async function openOther(db: TestDataSource): Promise<DataSource> {
  const other = new DataSource({ ...(db.dataSource.options as DataSourceOptions), subscribers: [], logger: undefined, logging: false, synchronize: false } as DataSourceOptions)
  allowUnprotectedDataSource(other)
  await other.initialize()
  return other
}

describeEachDialect('Failsafe: a query builder run on the query runner of another DataSource', { entities: leakEntities, tenancy: { unsafeDisableQueryFilter: true, logger: new RecordingLogger() } }, (db) => {
  before(async function () {
    // sql.js keeps its database in memory: a second DataSource cannot open the same one
    if (db().dialect.name === 'sqlite') this.skip()
    await seedLeaks(db().dataSource)
  })

  it("still removes the other tenant's root rows (the runner's DataSource has no failsafe of its own)", async () => {
    const other = await openOther(db())
    const runner = other.createQueryRunner()
    try {
      const query = () => db().dataSource.getRepository(FsPerson).createQueryBuilder('p', runner).getMany()
      expect(personTenants(await runWithoutTenant(query))).to.include(B) // precondition: B's rows are loaded
      expect(personTenants(await runWithTenant(A, query))).to.deep.equal([A])
    } finally {
      await runner.release()
      await other.destroy()
    }
  })

  it("and the other tenant's rows in a joined relation, inside the other DataSource's transaction", async () => {
    const other = await openOther(db())
    try {
      const query = () =>
        other.transaction((m) => db().dataSource.getRepository(FsCustomer).createQueryBuilder('c', m.queryRunner).leftJoinAndSelect('c.addresses', 'a').getMany())
      expect(addressTenants(await runWithoutTenant(query))).to.include(B)
      expect(addressTenants(await runWithTenant(A, query))).to.deep.equal([A])
    } finally {
      await other.destroy()
    }
  })
})

/**
 * A store that keeps the contract "answer undefined rather than a value it cannot vouch for": it drops a
 * request's context when told to (as a store might when the request ends while its query still runs).
 */
const als = new AsyncLocalStorage<{ context: TenantContext | undefined }>()
const holders: Array<{ context: TenantContext | undefined }> = []
const revocable: TenantStore = {
  name: 'revocable',
  run(context, fn) {
    const holder = { context }
    holders.push(holder)
    return als.run(holder, fn)
  },
  get: () => als.getStore()?.context,
  exit: (fn) => als.run({ context: undefined }, fn),
}

describeEachDialect('Failsafe: the store drops the context while the query runs', { entities: leakEntities, tenancy: { store: revocable, unsafeDisableQueryFilter: true, logger: new RecordingLogger() } }, (db) => {
  before(async () => {
    await seedLeaks(db().dataSource)
  })
  afterEach(() => {
    holders.length = 0
  })

  /** Drops every context when the SELECT of `table` is sent. */
  function dropContextWhenSent(table: string): void {
    const logger = db().logger as unknown as { logQuery: (query: string, parameters?: unknown[]) => void }
    const logQuery = logger.logQuery.bind(logger)
    logger.logQuery = (query, parameters) => {
      if (query.startsWith('SELECT') && query.includes(table)) {
        for (const holder of holders) holder.context = undefined
        logger.logQuery = logQuery
      }
      logQuery(query, parameters)
    }
  }

  it("fails closed on root rows: TenantContextMissingError, no row handed back (B's rows are loaded)", async () => {
    expect(personTenants(await runWithoutTenant(() => db().dataSource.getRepository(FsPerson).find()))).to.include(B)
    dropContextWhenSent('fs_person')
    let error: unknown
    const rows = await runWithTenant(A, () => db().dataSource.getRepository(FsPerson).find()).catch((e: unknown) => void (error = e))
    expect(rows).to.equal(undefined)
    expect(error).to.be.instanceOf(TenantContextMissingError)
  })

  it('fails closed on rows of a joined relation', async () => {
    const load = () => db().dataSource.getRepository(FsCustomer).find({ relations: { addresses: true } })
    expect(addressTenants(await runWithoutTenant(load))).to.include(B)
    dropContextWhenSent('fs_customer')
    let error: unknown
    const rows = await runWithTenant(A, load).catch((e: unknown) => void (error = e))
    expect(rows).to.equal(undefined)
    expect(error).to.be.instanceOf(TenantContextMissingError)
  })
})

/** An application subscriber whose afterLoad returns a promise that rejects (after the failsafe found a leak). */
@EventSubscriber()
class RejectingSubscriber implements EntitySubscriberInterface {
  listenTo() {
    return FsCustomer
  }
  afterLoad(_entity: unknown, _event?: LoadEvent<unknown>): Promise<void> {
    return new Promise((_, reject) => setImmediate(() => reject(new Error('the application subscriber failed'))))
  }
}

describeEachDialect(
  "Failsafe: onLeak 'throw' while application afterLoad promises are pending",
  { entities: leakEntities, tenancy: { unsafeDisableQueryFilter: true, onLeak: 'throw', logger: new RecordingLogger() }, extra: { subscribers: [RejectingSubscriber] } },
  (db) => {
    before(async () => {
      await seedLeaks(db().dataSource)
    })

    it('rejects the query with CrossTenantRowError and leaves no promise rejection unhandled', async () => {
      const unhandled: unknown[] = []
      const record = (reason: unknown) => unhandled.push(reason)
      const listeners = process.listeners('unhandledRejection')
      process.removeAllListeners('unhandledRejection')
      process.on('unhandledRejection', record)
      try {
        const load = () => db().dataSource.getRepository(FsCustomer).find({ relations: { addresses: true } })
        let error: unknown
        await runWithTenant(A, load).catch((e: unknown) => void (error = e))
        expect(error).to.be.instanceOf(CrossTenantRowError)
        expect((error as CrossTenantRowError).entity).to.equal(FsAddress.name)
        await new Promise((resolve) => setTimeout(resolve, 20)) // the subscriber's promise rejects on a later turn
        expect(unhandled).to.deep.equal([])
      } finally {
        process.removeListener('unhandledRejection', record)
        for (const listener of listeners) process.on('unhandledRejection', listener)
      }
    })
  },
)

/** What application code listening to load events is given. */
const childSecretsSeen: string[] = []
const tasksSeen: number[] = []

@Entity()
@TenantScoped('tenantId')
class FsLedger {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @OneToMany(() => FsEntry, (e) => e.ledger) entries!: FsEntry[]
  total?: number
  /** An entity listener that aggregates its children: TypeORM runs it before any subscriber of the ledger. */
  @AfterLoad() summarize(): void {
    if (this.entries === undefined) return
    this.total = this.entries.reduce((sum, e) => sum + e.amount, 0)
    childSecretsSeen.push(...this.entries.map((e) => e.secret))
  }
}

@Entity()
@TenantScoped('tenantId')
class FsEntry {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() amount!: number
  @Column() secret!: string
  @ManyToOne(() => FsLedger, (l) => l.entries, { nullable: true }) ledger!: FsLedger | null
}

const currenciesSeen: string[] = []

/**
 * An unscoped entity with an entity listener, joined from a scoped one through a relation that leads to no
 * scoped entity (the failsafe does not follow it): TypeORM's load events must still reach it.
 */
@Entity()
class FsCurrency {
  @PrimaryGeneratedColumn() id!: number
  @Column() code!: string
  label?: string
  @AfterLoad() describe(): void {
    this.label = `currency ${this.code}`
    currenciesSeen.push(this.code)
  }
}

@Entity()
@TenantScoped('tenantId')
class FsPurse {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @ManyToOne(() => FsCurrency, { nullable: true }) currency!: FsCurrency | null
  @OneToMany(() => FsCoin, (c) => c.purse) coins!: FsCoin[]
}

@Entity()
@TenantScoped('tenantId')
class FsCoin {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @ManyToOne(() => FsPurse, (p) => p.coins, { nullable: true }) purse!: FsPurse | null
}

/** An application subscriber of the child entity: TypeORM fires a child's events before its parent's. */
@EventSubscriber()
class TaskSubscriber implements EntitySubscriberInterface<FsTask> {
  listenTo() {
    return FsTask
  }
  afterLoad(task: FsTask): void {
    tasksSeen.push(task.tenantId)
  }
}

describeEachDialect('Failsafe: application code listening to load events never sees a row of another tenant', { entities: [...leakEntities, FsLedger, FsEntry, FsCurrency, FsPurse, FsCoin], tenancy: { unsafeDisableQueryFilter: true, logger: new RecordingLogger() } }, (db) => {
  it("an entity listener (@AfterLoad) of the parent aggregates only the tenant's children", async () => {
    const ledger = await runWithoutTenant(async () => {
      const m = db().dataSource.manager
      const saved = await m.save(FsLedger, { tenantId: A })
      await m.save(FsEntry, [
        { tenantId: A, amount: 10, secret: 'a-secret', ledger: saved },
        { tenantId: B, amount: 1000, secret: 'b-secret planted on a ledger of A', ledger: saved },
      ])
      return saved
    })
    const load = () => db().dataSource.getRepository(FsLedger).findOneOrFail({ where: { id: ledger.id }, relations: { entries: true } })
    expect((await runWithoutTenant(load)).entries).to.have.length(2) // precondition: B's entry is loaded
    childSecretsSeen.length = 0
    const loaded = await runWithTenant(A, load)
    expect(loaded.entries.map((e) => e.secret)).to.deep.equal(['a-secret'])
    expect(childSecretsSeen).to.deep.equal(['a-secret'])
    expect(loaded.total).to.equal(10)
  })

  // The failsafe filters a join-loaded result whole and, when no afterLoad of any kind can run for it, does not
  // hand it to TypeORM's walk. These show the walk still runs wherever a listener can.
  it('an entity listener of an unscoped entity the failsafe does not follow still runs, beside the filtered collection', async () => {
    const purse = await runWithoutTenant(async () => {
      const m = db().dataSource.manager
      const currency = await m.save(FsCurrency, { code: 'EUR' })
      const saved = await m.save(FsPurse, { tenantId: A, currency })
      await m.save(FsCoin, [
        { tenantId: A, purse: saved },
        { tenantId: B, purse: saved },
      ])
      return saved
    })
    const load = () => db().dataSource.getRepository(FsPurse).findOneOrFail({ where: { id: purse.id }, relations: { currency: true, coins: true } })
    expect((await runWithoutTenant(load)).coins.map((c) => c.tenantId).sort()).to.deep.equal([A, B]) // precondition
    currenciesSeen.length = 0
    const loaded = await runWithTenant(A, load)
    expect(loaded.coins.map((c) => c.tenantId)).to.deep.equal([A])
    expect(loaded.currency?.label).to.equal('currency EUR')
    expect(currenciesSeen).to.deep.equal(['EUR'])
  })

  it('a subscriber added to the DataSource after it was initialized is called, with only the tenant\'s rows', async () => {
    const seen: number[] = []
    const late: EntitySubscriberInterface<FsAddress> = {
      listenTo: () => FsAddress,
      afterLoad: (address) => void seen.push(address.merchantId),
    }
    const seeded = await seedLeaks(db().dataSource)
    const load = () => db().dataSource.getRepository(FsCustomer).findOneOrFail({ where: { id: seeded.customer.id }, relations: { addresses: true } })
    expect(addressTenants([await runWithoutTenant(load)])).to.include(B) // precondition: B's address is loaded
    const subscribers = db().dataSource.subscribers
    subscribers.push(late)
    try {
      const loaded = await runWithTenant(A, load)
      expect(addressTenants([loaded])).to.deep.equal([A])
      expect(seen).to.have.length.above(0)
      expect(seen.every((tenant) => tenant === A)).to.equal(true)
    } finally {
      subscribers.splice(subscribers.indexOf(late), 1)
    }
  })
})

describeEachDialect(
  'Failsafe: an application subscriber of a child entity',
  { entities: leakEntities, tenancy: { unsafeDisableQueryFilter: true, logger: new RecordingLogger() }, extra: { subscribers: [TaskSubscriber] } },
  (db) => {
    let seeded: SeededLeaks
    before(async () => {
      seeded = await seedLeaks(db().dataSource)
    })

    it("is never given the other tenant's child rows of a join-loaded result", async () => {
      const load = () => db().dataSource.getRepository(FsProject).findOneOrFail({ where: { id: seeded.projA.id }, relations: { tasks: true } })
      tasksSeen.length = 0
      expect((await runWithoutTenant(load)).tasks.map((t) => t.tenantId)).to.include(B) // precondition
      expect(tasksSeen).to.include(B)
      tasksSeen.length = 0
      const project = await runWithTenant(A, load)
      expect(project.tasks.map((t) => t.tenantId)).to.deep.equal([A])
      expect(tasksSeen).to.deep.equal([A])
    })
  },
)
