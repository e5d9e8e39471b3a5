import { expect } from 'chai'
import { Column, Entity, EventSubscriber, PrimaryGeneratedColumn, type EntitySubscriberInterface } from 'typeorm'
import { currentTenant, runWithTenant, runWithoutTenant, TenantContextMissingError, TenantScoped } from '../../lib'
import { describeEachDialect } from '../support/test-database'

/**
 * FIXED (fifth adversarial round, HIGH): the drivers emit a `qb.stream()`'s events from their socket's callbacks,
 * and a pooled socket carries the async context of the request that made the pool open it. A listener of tenant
 * B's stream that queried (`stream.on('data', () => comments.find())`) ran as tenant A, read A's rows and stamped
 * its inserts with A. The stream's listeners now run as the tenant that opened it.
 */
const A = 1
const B = 2

@Entity('sc_ticket')
@TenantScoped('organizationId')
class ScTicket {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() title!: string
}

@Entity('sc_comment')
@TenantScoped('organizationId')
class ScComment {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() body!: string
}

/** Not scoped: streamed by code with no tenant (a public page, a job). */
@Entity('sc_board')
class ScBoard {
  @PrimaryGeneratedColumn() id!: number
  @Column() name!: string
}

/** The parts of pg-pool's Pool this spec drives directly. */
interface PgPoolInternals {
  newClient?: unknown
  connect(): Promise<{ end(): Promise<void>; release(): void }>
  on(event: 'connect', listener: () => void): void
  removeListener(event: 'connect', listener: () => void): void
}

/** An audit hook: what tenant its afterQuery sees, for every query of the DataSource. */
const afterQuerySeen: unknown[] = []
@EventSubscriber()
class ScAudit implements EntitySubscriberInterface {
  afterQuery(event: { query: string }): void {
    if (event.query.includes('sc_ticket')) afterQuerySeen.push(currentTenant())
  }
}

describeEachDialect(
  'a stream\'s listeners run as the tenant that opened it; driver callbacks never carry another tenant',
  { entities: [ScTicket, ScComment, ScBoard], extra: { poolSize: 2, subscribers: [ScAudit] } as never },
  (db) => {
  const ds = () => db().dataSource

  before(async function () {
    if (!db().dialect.streams) this.skip() // TypeORM has no stream() on SQLite
    await runWithoutTenant(async () => {
      await ds().getRepository(ScComment).save([{ organizationId: A, body: 'A secret' }, { organizationId: B, body: 'B own' }])
      await ds().getRepository(ScTicket).save([{ organizationId: B, title: 'B1' }, { organizationId: B, title: 'B2' }])
      await ds().getRepository(ScBoard).save({ name: 'wall' })
    })
  })

  it("tenant A's comment exists (precondition), and the pool's connections were opened during tenant A's requests", async () => {
    expect((await runWithoutTenant(() => ds().getRepository(ScComment).find())).map((c) => c.body).sort()).to.deep.equal(['A secret', 'B own'])
    await Promise.all([0, 1].map(() => runWithTenant(A, () => ds().getRepository(ScComment).count())))
  })

  for (const round of [1, 2]) {
    it(`round ${round}: B's listener sees tenant B, reads only B's rows and writes as B`, async () => {
      const seen: unknown[] = []
      const read: string[][] = []
      await runWithTenant(B, async () => {
        const stream = await ds().getRepository(ScTicket).createQueryBuilder('t').stream()
        const jobs: Array<Promise<unknown>> = []
        await new Promise<void>((resolve, reject) => {
          stream.on('data', () => {
            seen.push(currentTenant())
            jobs.push(ds().getRepository(ScComment).find().then((rows) => read.push(rows.map((c) => c.body).sort())))
          })
          stream.on('end', () => resolve())
          stream.on('error', reject)
        })
        await Promise.all(jobs)
        const written = await new Promise<ScComment>((resolve, reject) => {
          void ds().getRepository(ScTicket).createQueryBuilder('t').limit(1).stream().then((s) => {
            s.on('data', () => void ds().getRepository(ScComment).save({ body: `written in round ${round}` }).then(resolve, reject))
            s.on('error', reject)
          }, reject)
        })
        expect(written.organizationId).to.equal(B)
      })
      expect(seen).to.deep.equal([B, B])
      const visible = round === 1 ? ['B own'] : ['B own', 'written in round 1']
      expect(read).to.deep.equal([visible, visible])
      const byTenant = await runWithoutTenant(() => ds().getRepository(ScComment).findBy({ body: `written in round ${round}` }))
      expect(byTenant.map((c) => c.organizationId)).to.deep.equal([B])
    })
  }

  it('a stream opened with no tenant (an unscoped table) runs its listeners with no tenant: a scoped query there fails closed', async () => {
    await Promise.all([0, 1].map(() => runWithTenant(A, () => ds().getRepository(ScComment).count())))
    const seen: unknown[] = []
    const errors: unknown[] = []
    const stream = await ds().getRepository(ScBoard).createQueryBuilder('b').stream()
    const jobs: Array<Promise<unknown>> = []
    await new Promise<void>((resolve, reject) => {
      stream.on('data', () => {
        seen.push(currentTenant())
        jobs.push(ds().getRepository(ScComment).find().catch((e: unknown) => errors.push(e)))
      })
      stream.on('end', () => resolve())
      stream.on('error', reject)
    })
    await Promise.all(jobs)
    expect(seen).to.deep.equal([undefined])
    expect(errors).to.have.length(1)
    expect(errors[0]).to.be.instanceOf(TenantContextMissingError)
  })

  it("queryRunner.stream() under B: the listener runs as B and reads only B's rows", async () => {
    await Promise.all([0, 1].map(() => runWithTenant(A, () => ds().getRepository(ScComment).count())))
    const read: string[][] = []
    const seen: unknown[] = []
    await runWithTenant(B, async () => {
      const runner = ds().createQueryRunner()
      try {
        const stream = await runner.stream('SELECT 1 AS x')
        const jobs: Array<Promise<unknown>> = []
        await new Promise<void>((resolve, reject) => {
          stream.on('data', () => {
            seen.push(currentTenant())
            jobs.push(ds().getRepository(ScComment).findBy({ body: 'A secret' }).then((rows) => read.push(rows.map((c) => c.body))))
          })
          stream.on('end', () => resolve())
          stream.on('error', reject)
        })
        await Promise.all(jobs)
      } finally {
        await runner.release()
      }
    })
    expect(seen).to.deep.equal([B])
    expect(read).to.deep.equal([[]])
  })

  it("a socket pg-pool opens on its own, from a release() in tenant A's flow, carries no tenant (pg)", async function () {
    const pool = (ds().driver as unknown as { master?: PgPoolInternals }).master
    if (db().dialect.name !== 'postgres' || typeof pool?.newClient !== 'function') this.skip()
    // Fill the pool (poolSize 2) as A, queue a request of B, then release an ended client in A's flow: pg-pool
    // ends it (at once: it already is) and opens B's connection right there, inside A's release() call.
    const seenOnConnect: unknown[] = []
    const onConnect = (): void => void seenOnConnect.push(currentTenant())
    pool.on('connect', onConnect)
    try {
      let waiting: Promise<unknown> | undefined
      await runWithTenant(A, async () => {
        const held = [await pool.connect(), await pool.connect()]
        waiting = runWithTenant(B, () => ds().getRepository(ScComment).find())
        await new Promise((resolve) => setTimeout(resolve, 20)) // B is queued behind the full pool
        await held[0]!.end()
        held[0]!.release()
        held[1]!.release()
      })
      const rows = (await waiting) as ScComment[]
      expect(rows.map((c) => c.body)).to.include('B own').and.not.include('A secret')
      expect(seenOnConnect).to.have.length.greaterThan(0)
      expect(seenOnConnect.filter((t) => t !== undefined)).to.deep.equal([])
    } finally {
      pool.removeListener('connect', onConnect)
    }
  })

  it('an afterQuery subscriber sees the tenant of the query or none, never another tenant (mysql2 runs it in its callback on TypeORM 0.3)', async () => {
    await Promise.all([0, 1].map(() => runWithTenant(A, () => ds().getRepository(ScComment).count())))
    afterQuerySeen.length = 0
    await runWithTenant(B, () => Promise.all([ds().getRepository(ScTicket).find(), ds().getRepository(ScTicket).find()]))
    expect(afterQuerySeen.length).to.be.greaterThan(0)
    expect(afterQuerySeen.filter((t) => t !== B && t !== undefined)).to.deep.equal([])
  })
  },
)
