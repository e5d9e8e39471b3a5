/**
 * The failsafe's client cost on real finds, alone: the same find with the failsafe on (the defaults), with
 * `failsafe: false` (the query filter alone), and hand-written (no plugin), on a local PostgreSQL.
 *
 *   node -r ts-node/register/transpile-only -r reflect-metadata bench/failsafe-micro.ts
 *
 * Workloads (tenant 1, every row of the tenant, nothing to strip: the common case):
 * - `50x3`: 50 tickets with their 3 comments each (200 entities);
 * - `50x20`: 50 tickets with their 20 comments each (1,050 entities).
 * Tenant 2 has the same rows, so the query filter has something to exclude.
 *
 * Each round runs every variant (shuffled) `PER_ROUND` finds back to back; the figures are the medians over
 * rounds of the wall time and of the client CPU (`process.cpuUsage`, user + system) per find. Then the strip
 * pass alone (`stripCrossTenantRows` over 50 x 20 in-memory entities, as in `micro.ts`).
 * Env: `BENCH_DATABASE_URL`, `MICRO_ROUNDS` (default 40), `MICRO_PER_ROUND` (default 25).
 */
import { randomBytes } from 'node:crypto'
import { Between, DataSource } from 'typeorm'
import { allowUnprotectedDataSource, installTenancy, runWithTenant } from '../lib'
import { databaseUrl } from './dataset'
import { measureStripPass } from './micro'
import { benchEntities, BenchTicket } from './model'
import { median } from './stats'

type VariantName = 'failsafe-on' | 'failsafe-off' | 'handwritten'
const VARIANTS: readonly VariantName[] = ['failsafe-on', 'failsafe-off', 'handwritten']

interface Workload {
  readonly name: string
  readonly first: number
  readonly last: number
  readonly entities: number
}

const WORKLOADS: readonly Workload[] = [
  { name: '50 tickets x 3 comments', first: 1, last: 50, entities: 50 * 4 },
  { name: '50 tickets x 20 comments', first: 51, last: 100, entities: 50 * 21 },
]

const ROUNDS = Number(process.env['MICRO_ROUNDS'] ?? 40)
const PER_ROUND = Number(process.env['MICRO_PER_ROUND'] ?? 25)
const WARMUP_ROUNDS = 4

async function createSchema(url: string): Promise<string> {
  const schema = `failsafe_micro_${randomBytes(4).toString('hex')}`
  const admin = new DataSource({ type: 'postgres', url })
  await admin.initialize()
  await admin.query(`CREATE SCHEMA "${schema}"`)
  await admin.destroy()
  const sync = new DataSource({ type: 'postgres', url, schema, entities: benchEntities, synchronize: true })
  allowUnprotectedDataSource(sync)
  await sync.initialize()
  try {
    // tenant o (1, 2) owns tickets (o-1)*100+1 .. o*100; per tenant, the first 50 have 3 comments, the next 50 have 20
    await sync.query(`INSERT INTO "${schema}"."organization" ("id", "name") VALUES (1, 'one'), (2, 'two')`)
    await sync.query(
      `INSERT INTO "${schema}"."support_ticket" ("id", "organizationId", "title") SELECT i, (i - 1) / 100 + 1, 'ticket ' || i FROM generate_series(1, 200) i`,
    )
    await sync.query(
      `INSERT INTO "${schema}"."ticket_comment" ("organizationId", "body", "ticketId")
       SELECT (t - 1) / 100 + 1, 'comment', t FROM generate_series(1, 200) t, generate_series(1, 20) c
       WHERE c <= CASE WHEN (t - 1) % 100 < 50 THEN 3 ELSE 20 END`,
    )
    await sync.query(`ANALYZE "${schema}"."support_ticket"; ANALYZE "${schema}"."ticket_comment"`)
  } finally {
    await sync.destroy()
  }
  return schema
}

async function open(name: VariantName, url: string, schema: string): Promise<DataSource> {
  const dataSource = new DataSource({ type: 'postgres', url, schema, entities: benchEntities, poolSize: 2, logging: false })
  if (name === 'handwritten') allowUnprotectedDataSource(dataSource)
  else installTenancy(dataSource, { failsafe: name === 'failsafe-on' })
  await dataSource.initialize()
  return dataSource
}

function find(name: VariantName, dataSource: DataSource, workload: Workload): Promise<BenchTicket[]> {
  const repository = dataSource.getRepository(BenchTicket)
  if (name === 'handwritten') {
    return repository.find({
      where: { organizationId: 1, id: Between(workload.first, workload.last), comments: { organizationId: 1 } },
      relations: { comments: true },
      order: { id: 'ASC' },
    })
  }
  return runWithTenant(1, () => repository.find({ where: { id: Between(workload.first, workload.last) }, relations: { comments: true }, order: { id: 'ASC' } }))
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy
}

async function main(): Promise<void> {
  const url = databaseUrl()
  const schema = await createSchema(url)
  const sources = new Map<VariantName, DataSource>()
  try {
    for (const name of VARIANTS) sources.set(name, await open(name, url, schema))
    console.log(`Node ${process.version}, ${ROUNDS} rounds x ${PER_ROUND} finds per variant and workload (after ${WARMUP_ROUNDS} warm-up rounds)\n`)
    for (const workload of WORKLOADS) {
      const wall = new Map<VariantName, number[]>(VARIANTS.map((v) => [v, []]))
      const cpu = new Map<VariantName, number[]>(VARIANTS.map((v) => [v, []]))
      for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
        for (const name of shuffled(VARIANTS)) {
          const dataSource = sources.get(name)!
          const c0 = process.cpuUsage()
          const t0 = process.hrtime.bigint()
          for (let i = 0; i < PER_ROUND; i++) {
            const tickets = await find(name, dataSource, workload)
            if (tickets.length !== 50 || tickets.reduce((n, t) => n + 1 + t.comments.length, 0) !== workload.entities) throw new Error(`${name} loaded an unexpected result`)
          }
          const t1 = process.hrtime.bigint()
          const c1 = process.cpuUsage(c0)
          if (round < WARMUP_ROUNDS) continue
          wall.get(name)!.push(Number(t1 - t0) / 1000 / PER_ROUND)
          cpu.get(name)!.push((c1.user + c1.system) / PER_ROUND)
        }
      }
      const hand = median(cpu.get('handwritten')!)
      const off = median(cpu.get('failsafe-off')!)
      console.log(`${workload.name} (${workload.entities} entities per find)`)
      console.log('| variant | wall µs per find (median) | client CPU µs per find (median) | CPU / handwritten | CPU − failsafe-off, per entity |')
      console.log('|---|---|---|---|---|')
      for (const name of VARIANTS) {
        const c = median(cpu.get(name)!)
        console.log(`| ${name} | ${median(wall.get(name)!).toFixed(0)} | ${c.toFixed(0)} | ${(c / hand).toFixed(3)} | ${name === 'failsafe-on' ? `${(((c - off) * 1000) / workload.entities).toFixed(0)} ns` : ''} |`)
      }
      console.log('')
    }
    for (const result of await measureStripPass(url)) console.log(`${result.name}: ${(result.value ?? NaN).toFixed(1)} ${result.unit}`)
  } finally {
    for (const dataSource of sources.values()) await dataSource.destroy()
    const admin = new DataSource({ type: 'postgres', url })
    await admin.initialize()
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`)
    await admin.destroy()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
