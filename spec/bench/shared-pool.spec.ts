import { expect } from 'chai'
import { DataSource } from 'typeorm'
import { sharePool } from '../../bench/shared-pool'
import { openTestDataSource, testDialects, type TestDataSource } from '../support/test-database'

/** The bench's one pool for every variant, on a real PostgreSQL server (PGlite has no pg pool: skipped). */
describe('bench sharePool [postgres]', function () {
  const postgres = testDialects().find((d) => d.name === 'postgres')
  const open: TestDataSource[] = []
  let owner: DataSource
  let sharer: DataSource

  before(async function () {
    this.timeout(120_000)
    if (postgres === undefined) return this.skip()
    const first = await openTestDataSource(postgres, { entities: [], tenancy: false })
    open.push(first)
    if (postgres.engine === 'embedded') return this.skip() // PGlite: TypeORM's driver has no pg pool to share
    open.push(await openTestDataSource(postgres, { entities: [], tenancy: false }))
    owner = open[0]!.dataSource
    sharer = open[1]!.dataSource
  })
  after(async () => {
    for (const db of open) await db.close()
  })

  const backend = async (dataSource: DataSource): Promise<number> => {
    const [row] = (await dataSource.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>
    return row!.pid
  }

  it("runs the sharer's queries on the owner's connections, opened up front, and gives its own pool back", async () => {
    const own = await backend(sharer)
    const restore = await sharePool(owner, [sharer], 3)
    // three connections opened outside any request, all idle now
    expect((owner.driver as unknown as { master: { totalCount: number; idleCount: number } }).master).to.include({ totalCount: 3, idleCount: 3 })
    const ownerBackend = await backend(owner)
    // sequential queries take the connection released last: the very backend the owner just used
    expect(await backend(sharer)).to.equal(ownerBackend)
    expect(await backend(owner)).to.equal(ownerBackend)
    expect(ownerBackend).not.to.equal(own)
    restore()
    expect(await backend(sharer)).to.equal(own)
  })

  it('refuses a DataSource without a pg pool, naming the driver', async () => {
    const notInitialized = new DataSource({ type: 'postgres' })
    let error: unknown
    try {
      await sharePool(owner, [notInitialized], 1)
    } catch (e) {
      error = e
    }
    expect(String(error)).to.match(/postgres DataSource has no pg pool at driver\.master/)
  })
})
