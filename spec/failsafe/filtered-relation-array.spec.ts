import { expect } from 'chai'
import { instanceToPlain } from 'class-transformer'
import { CrossTenantRowError, FilteredRelationArray, runWithoutTenant, runWithTenant } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { A, B, FsAddress, FsCustomer, RecordingLogger } from './failsafe-model'

/** The collection the failsafe puts in loaded relations: refuses other tenants' rows, an ordinary array otherwise. */
describeEachDialect('FilteredRelationArray', { entities: [FsCustomer, FsAddress], tenancy: { unsafeDisableQueryFilter: true, logger: new RecordingLogger() } }, (db) => {
  let customerId: number
  let addressB: FsAddress
  let spareA: FsAddress
  let ownOnlyId: number
  before(async () => {
    await runWithoutTenant(async () => {
      const m = db().dataSource.manager
      const customer = await m.save(FsCustomer, { name: 'Ada' })
      customerId = customer.id
      await m.save(FsAddress, [{ merchantId: A, email: 'a1', customer }, { merchantId: A, email: 'a2', customer }, { merchantId: B, email: 'b1', customer }])
      spareA = await m.save(FsAddress, { merchantId: A, email: 'a-spare', customer: null })
      addressB = (await m.findOneByOrFail(FsAddress, { email: 'b1' }))
      const ownOnly = await m.save(FsCustomer, { name: 'Bob' })
      ownOnlyId = ownOnly.id
      await m.save(FsAddress, [{ merchantId: A, email: 'bob1', customer: ownOnly }, { merchantId: A, email: 'bob2', customer: ownOnly }])
    })
  })

  const load = (tenant = A) =>
    runWithTenant(tenant, () => db().dataSource.getRepository(FsCustomer).findOneOrFail({ where: { id: customerId }, relations: { addresses: true }, order: { addresses: { id: 'ASC' } } }))

  function expectRefused(fn: () => unknown, list: unknown[]): void {
    const before = [...list]
    expect(fn).to.throw(CrossTenantRowError, /FsCustomer\.addresses\.\w+\(\) was given a "FsAddress" of tenant \d+/)
    expect([...list]).to.deep.equal(before)
  }

  it('is what a loaded collection of a scoped entity holds, with the tenant it was loaded for', async () => {
    const customer = await load()
    expect(customer.addresses).to.be.instanceOf(FilteredRelationArray)
    expect((customer.addresses as FilteredRelationArray<FsAddress>).tenantId).to.equal(A)
    expect(customer.addresses.map((a) => a.email)).to.deep.equal(['a1', 'a2'])
  })

  it('refuses a row of another tenant on push, unshift, splice, fill and copyWithin, leaving the array unchanged', async () => {
    const { addresses } = await load()
    expectRefused(() => addresses.push(addressB), addresses)
    expectRefused(() => addresses.push(spareA, addressB), addresses)
    expectRefused(() => addresses.unshift(addressB), addresses)
    expectRefused(() => addresses.splice(0, 1, addressB), addresses)
    expectRefused(() => addresses.fill(addressB), addresses)
    // index assignment is not intercepted (documented); copyWithin still refuses to spread such a row
    const list = [...addresses]
    addresses[2] = addressB
    expectRefused(() => addresses.copyWithin(0, 2), addresses)
    addresses.length = 2
    expect(addresses.map((a) => a.email)).to.deep.equal(list.map((a) => a.email))
  })

  it('accepts rows of its tenant, and new rows with no tenant yet', async () => {
    const { addresses } = await load()
    expect(addresses.push(spareA)).to.equal(3)
    const fresh = Object.assign(new FsAddress(), { email: 'new' })
    addresses.unshift(fresh)
    expect(addresses.splice(1, 1)).to.have.length(1)
    addresses.fill(spareA, 0, 1)
    expect(addresses.map((a) => a.email)).to.deep.equal(['a-spare', 'a2', 'a-spare'])
    // '1' and 1 are the same tenant
    addresses.push(Object.assign(new FsAddress(), { email: 'string tenant', merchantId: String(A) as unknown as number }))
    expect(addresses).to.have.length(4)
  })

  it('keeps the tenant it was created with, whatever the context later (no global filter)', async () => {
    const customer = await load(A)
    await runWithTenant(B, async () => {
      expectRefused(() => customer.addresses.push(addressB), customer.addresses)
      customer.addresses.push(spareA)
    })
    const other = await load(B)
    expect(other.addresses.map((a) => a.email)).to.deep.equal(['b1'])
    expect((other.addresses as FilteredRelationArray<FsAddress>).tenantId).to.equal(B)
    expectRefused(() => other.addresses.push(Object.assign(new FsAddress(), { merchantId: B + 1, email: 'x' })), other.addresses)
  })

  it('is an ordinary array everywhere else: isArray, JSON, spread, species, structuredClone, class-transformer', async () => {
    const customer = await load()
    const plain = customer.addresses.map((a) => ({ ...a }))
    expect(Array.isArray(customer.addresses)).to.equal(true)
    expect(JSON.stringify(customer.addresses)).to.equal(JSON.stringify(plain))
    expect(JSON.parse(JSON.stringify(customer))).to.deep.equal({ id: customerId, name: 'Ada', addresses: JSON.parse(JSON.stringify(plain)) })
    for (const derived of [
      [...customer.addresses],
      customer.addresses.map((a) => a),
      customer.addresses.filter(() => true),
      customer.addresses.slice(),
      customer.addresses.concat([]),
      Array.from(customer.addresses),
      customer.addresses.splice(5, 0),
    ]) {
      expect(derived.constructor).to.equal(Array)
    }
    const cloned = structuredClone(customer)
    expect(cloned.addresses.constructor).to.equal(Array)
    expect(cloned.addresses.map((a) => a.email)).to.deep.equal(['a1', 'a2'])
    const transformed = instanceToPlain(customer) as { addresses: unknown[] }
    expect(transformed.addresses.constructor).to.equal(Array)
    expect(JSON.parse(JSON.stringify(transformed.addresses))).to.deep.equal(JSON.parse(JSON.stringify(plain)))
    expect(Object.keys(customer.addresses)).to.deep.equal(['0', '1'])
  })

  it('guards the loaded array itself when nothing was stripped (no copy), with the same behaviours', async () => {
    const customer = await runWithTenant(A, () =>
      db().dataSource.getRepository(FsCustomer).findOneOrFail({ where: { id: ownOnlyId }, relations: { addresses: true }, order: { addresses: { id: 'ASC' } } }),
    )
    const { addresses } = customer
    expect(addresses).to.be.instanceOf(FilteredRelationArray)
    expect((addresses as FilteredRelationArray<FsAddress>).tenantId).to.equal(A)
    expect(addresses.map((a) => a.email)).to.deep.equal(['bob1', 'bob2'])
    expectRefused(() => addresses.push(addressB), addresses)
    expectRefused(() => addresses.splice(0, 0, addressB), addresses)
    expect(Array.isArray(addresses)).to.equal(true)
    for (const derived of [[...addresses], addresses.map((a) => a), addresses.filter(() => true), addresses.slice(), Array.from(addresses)]) {
      expect(derived.constructor).to.equal(Array)
    }
    expect(JSON.parse(JSON.stringify(customer))).to.deep.equal({ id: ownOnlyId, name: 'Bob', addresses: JSON.parse(JSON.stringify(addresses.map((a) => ({ ...a })))) })
    expect(structuredClone(customer).addresses.constructor).to.equal(Array)
    expect((instanceToPlain(customer) as { addresses: unknown[] }).addresses.constructor).to.equal(Array)
    expect(Object.keys(addresses)).to.deep.equal(['0', '1'])
    addresses.push(spareA)
    expect(addresses).to.have.length(3)
  })
})
