import { expect } from 'chai'
import { EventSubscriber, type EntitySubscriberInterface } from 'typeorm'
import {
  CrossTenantRowError,
  failsafeCounters,
  installTenancy,
  resetFailsafeCounters,
  runWithoutTenant,
  runWithTenant,
  stripCrossTenantRows,
  TenancyConfigurationError,
  TenancyFailsafeSubscriber,
} from '../../lib'
import { expectTenantTerm } from '../fixtures/sql-assertions'
import { describeEachDialect, openTestDataSource, testDialects, type TestDataSource } from '../support/test-database'
import { tenancyOptions } from '../support/test-store'
import { A, B, FsAddress, FsCustomer, RecordingLogger } from './failsafe-model'

const entities = [FsCustomer, FsAddress]

function seedCustomer(db: TestDataSource): Promise<number> {
  return runWithoutTenant(async () => {
    const m = db.dataSource.manager
    const customer = await m.save(FsCustomer, { name: 'Ada' })
    await m.save(FsAddress, [{ merchantId: A, email: 'a', customer }, { merchantId: B, email: 'b', customer }])
    return customer.id
  })
}

const loadCustomer = (db: TestDataSource, id: number) =>
  db.dataSource.getRepository(FsCustomer).findOneOrFail({ where: { id }, relations: { addresses: true } })

/** Records, from an application subscriber registered after the failsafe's, what afterLoad sees. */
const seenByUser: number[] = []
@EventSubscriber()
class UserSubscriber implements EntitySubscriberInterface<FsCustomer> {
  listenTo() {
    return FsCustomer
  }
  afterLoad(entity: FsCustomer): void {
    if (entity.addresses) seenByUser.push(entity.addresses.length)
  }
}

/** Records the tenants of the addresses an application subscriber's afterLoad is given. */
const addressesSeenByUser: number[] = []
@EventSubscriber()
class UserAddressSubscriber implements EntitySubscriberInterface<FsAddress> {
  listenTo() {
    return FsAddress
  }
  afterLoad(entity: FsAddress): void {
    addressesSeenByUser.push(entity.merchantId)
  }
}

const throwLogger = new RecordingLogger()
describeEachDialect("Failsafe policy onLeak: 'throw'", { entities, tenancy: { unsafeDisableQueryFilter: true, onLeak: 'throw', logger: throwLogger } }, (db) => {
  it('throws CrossTenantRowError naming the row and the relation, after logging and counting it', async () => {
    const id = await seedCustomer(db())
    throwLogger.clear() // one logger for the suites of every dialect
    let error: unknown
    try {
      await runWithTenant(A, () => loadCustomer(db(), id))
    } catch (e) {
      error = e
    }
    expect(error).to.be.instanceOf(CrossTenantRowError)
    expect((error as CrossTenantRowError).entity).to.equal('FsAddress')
    expect((error as Error).message).to.match(/"FsAddress" with primary key \d+ belongs to tenant 2, but was loaded through FsCustomer\.addresses while tenant 1/)
    expect(throwLogger.warnings).to.have.length(1)
    expect(failsafeCounters(db().dataSource).strippedRows).to.equal(1)
  })
})

describeEachDialect('Failsafe registration before initialize()', { entities, tenancy: { unsafeDisableQueryFilter: true, logger: new RecordingLogger() }, extra: { subscribers: [UserSubscriber, UserAddressSubscriber] } }, (db) => {
  it('puts its subscriber first, so application subscribers see filtered relations in afterLoad', async () => {
    const subscribers = db().dataSource.subscribers
    expect(subscribers[0]).to.be.instanceOf(TenancyFailsafeSubscriber)
    expect(subscribers[1]).to.be.instanceOf(UserSubscriber)
    expect(subscribers[2]).to.be.instanceOf(UserAddressSubscriber)
    expect(subscribers.filter((s) => s instanceof TenancyFailsafeSubscriber)).to.have.length(1)
    const id = await seedCustomer(db())
    seenByUser.length = 0
    const customer = await runWithTenant(A, () => loadCustomer(db(), id))
    expect(customer.addresses.map((a) => a.merchantId)).to.deep.equal([A])
    expect(seenByUser).to.deep.equal([1])
  })

  it("removes another tenant's root rows before any afterLoad runs, so application subscribers never see them", async () => {
    await seedCustomer(db())
    const all = await runWithoutTenant(() => db().dataSource.manager.find(FsAddress))
    expect(all.map((a) => a.merchantId)).to.include(B) // precondition: the query (filter off) returns B's rows
    addressesSeenByUser.length = 0
    const loaded = await runWithTenant(A, () => db().dataSource.manager.find(FsAddress))
    expect(loaded.length).to.be.greaterThan(0)
    expect(loaded.map((a) => a.merchantId).every((t) => t === A)).to.equal(true)
    expect(addressesSeenByUser.length).to.equal(loaded.length)
    expect(addressesSeenByUser.every((t) => t === A)).to.equal(true)
  })
})

describe('Failsafe registration after initialize()', () => {
  for (const dialect of testDialects()) {
    it(`[${dialect.name}] installTenancy on an initialized DataSource adds the subscriber and strips`, async function () {
      this.timeout(60_000)
      const db = await openTestDataSource(dialect, { entities, tenancy: false })
      try {
        expect(db.dataSource.subscribers.some((s) => s instanceof TenancyFailsafeSubscriber)).to.equal(false)
        const id = await seedCustomer(db)
        installTenancy(db.dataSource, tenancyOptions({ unsafeDisableQueryFilter: true, logger: new RecordingLogger() }))
        expect(db.dataSource.subscribers[0]).to.be.instanceOf(TenancyFailsafeSubscriber)
        installTenancy(db.dataSource, tenancyOptions({ unsafeDisableQueryFilter: true }))
        expect(db.dataSource.subscribers.filter((s) => s instanceof TenancyFailsafeSubscriber)).to.have.length(1)
        const customer = await runWithTenant(A, () => loadCustomer(db, id))
        expect(customer.addresses.map((a) => a.merchantId)).to.deep.equal([A])
      } finally {
        await db.close()
      }
    })
  }
})

describeEachDialect('Failsafe behind the query filter (production settings)', { entities, tenancy: { logger: new RecordingLogger() } }, (db) => {
  it('has nothing to strip: the filter already kept B out of the SQL; save works', async () => {
    const id = await seedCustomer(db())
    resetFailsafeCounters(db().dataSource)
    db().logger.clear()
    const customer = await runWithTenant(A, () => loadCustomer(db(), id))
    expect(customer.addresses.map((a) => a.merchantId)).to.deep.equal([A])
    expectTenantTerm(db().logger.last(/"fs_address"/), A, 'merchantId')
    expect(failsafeCounters(db().dataSource)).to.deep.equal({ strippedRows: 0, strippedByEntity: {}, refusedWrites: 0 })
    customer.name = 'Ada L.'
    await runWithTenant(A, () => db().dataSource.getRepository(FsCustomer).save(customer))
    const b = await runWithoutTenant(() => db().dataSource.getRepository(FsAddress).findOneByOrFail({ email: 'b' }))
    expect(b.customerId).to.equal(id)
  })

  it('stripCrossTenantRows: the pure strip pass over loaded entities (no logging, no counters, no memory)', async () => {
    const id = await seedCustomer(db())
    resetFailsafeCounters(db().dataSource)
    const all = await runWithoutTenant(() => db().dataSource.getRepository(FsCustomer).find({ where: { id }, relations: { addresses: true } }))
    expect(all[0]!.addresses).to.have.length(2)
    const { entities: kept, events } = stripCrossTenantRows(db().dataSource, FsCustomer, all, A)
    expect(kept).to.equal(all)
    expect(all[0]!.addresses.map((a) => a.merchantId)).to.deep.equal([A])
    expect(events.map((e) => [e.entity, e.relation, e.foundTenant])).to.deep.equal([['FsAddress', 'FsCustomer.addresses', B]])
    expect(failsafeCounters(db().dataSource).strippedRows).to.equal(0)
    const addresses = await runWithoutTenant(() => db().dataSource.getRepository(FsAddress).find({ where: { customerId: id } }))
    const roots = stripCrossTenantRows(db().dataSource, FsAddress, addresses, B)
    expect(roots.entities.map((a) => a.merchantId)).to.deep.equal([B])
  })
})

describeEachDialect('Failsafe off (failsafe: false)', { entities, tenancy: { unsafeDisableQueryFilter: true, failsafe: false } }, (db) => {
  it('registers no subscriber and strips nothing: the rows it would strip are really loaded', async () => {
    expect(db().dataSource.subscribers.some((s) => s instanceof TenancyFailsafeSubscriber)).to.equal(false)
    const id = await seedCustomer(db())
    const customer = await runWithTenant(A, () => loadCustomer(db(), id))
    expect(customer.addresses.map((a) => a.merchantId).sort()).to.deep.equal([A, B])
  })
})

describe('Failsafe options are checked', () => {
  for (const [name, value] of [['onLeak', 'drop'], ['logger', {}], ['failsafe', 'yes'], ['queryFilter', false], ['unsafeDisableQueryFilter', 0]] as const) {
    it(`rejects ${name}: ${JSON.stringify(value)}`, async () => {
      const { DataSource } = await import('typeorm')
      const dataSource = new DataSource({ type: 'postgres', entities })
      expect(() => installTenancy(dataSource, { [name]: value } as never)).to.throw(TenancyConfigurationError, new RegExp(`option "${name}"`))
    })
  }
})
