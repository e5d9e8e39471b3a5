/**
 * The failsafe's cost in TypeORM's load broadcast alone, in memory: the `broadcast('Load', ...)` that a find of
 * 50 tickets with their 3 comments each ends with (what TypeORM runs once the rows are hydrated), with no SQL.
 *
 *   node -r ts-node/register/transpile-only -r reflect-metadata bench/broadcast-micro.ts
 *
 * Variants, each in a process of its own (an app that runs only it), taking turns `BROADCAST_REPEAT` times
 * (default 3):
 * - `plain`: a DataSource without the plugin (TypeORM's own walk of the load events, with nothing to call);
 * - `failsafe-off`: the plugin with `failsafe: false`;
 * - `failsafe-on`: the plugin's defaults (the broadcast filters the whole result; nothing else listens).
 *
 * Every call gets fresh arrays (the failsafe replaces each collection with a `FilteredRelationArray`, which a
 * second pass would recognize), so each time includes copying 51 arrays, in every variant alike. Each process
 * warms up (20,000 calls), then times 15 blocks of 2,000 calls and prints the median block's time per call. The
 * DataSource connects to PostgreSQL (`BENCH_DATABASE_URL`) to initialize, and sends no query after that.
 */
import { spawnSync } from 'node:child_process'
import { DataSource } from 'typeorm'
import { allowUnprotectedDataSource, installTenancy, runWithTenant } from '../lib'
import { databaseUrl } from './dataset'
import { benchEntities, BenchTicket, ticketsWithComments } from './model'
import { median } from './stats'

type VariantName = 'plain' | 'failsafe-off' | 'failsafe-on'
const VARIANTS: readonly VariantName[] = ['plain', 'failsafe-off', 'failsafe-on']
const WARMUP = 20_000
const BLOCKS = 15
const PER_BLOCK = 2_000

interface LoadBroadcaster {
  broadcast(event: 'Load', metadata: unknown, entities: unknown[]): Promise<void>
}

/** One variant, in this process: prints `µs <median µs per broadcast>`. */
async function child(name: VariantName): Promise<void> {
  const dataSource = new DataSource({ type: 'postgres', url: databaseUrl(), entities: benchEntities, poolSize: 1 })
  if (name === 'plain') allowUnprotectedDataSource(dataSource)
  else installTenancy(dataSource, { failsafe: name === 'failsafe-on' })
  await dataSource.initialize()
  const runner = dataSource.createQueryRunner()
  try {
    const metadata = dataSource.getMetadata(BenchTicket)
    const broadcaster = runner.broadcaster as unknown as LoadBroadcaster
    const tickets = ticketsWithComments(50, 3)
    const comments = tickets.map((ticket) => ticket.comments)
    const once = async (): Promise<void> => {
      for (let i = 0; i < tickets.length; i++) tickets[i]!.comments = comments[i]!.slice()
      await broadcaster.broadcast('Load', metadata, tickets.slice())
    }
    const blocks = await runWithTenant(1, async () => {
      for (let i = 0; i < WARMUP; i++) await once()
      const times: number[] = []
      for (let block = 0; block < BLOCKS; block++) {
        const started = process.hrtime.bigint()
        for (let i = 0; i < PER_BLOCK; i++) await once()
        times.push(Number(process.hrtime.bigint() - started) / 1000 / PER_BLOCK)
      }
      return times
    })
    if (tickets.some((ticket) => ticket.comments.length !== 3)) throw new Error(`${name}: the broadcast changed the tenant's rows`)
    console.log(`µs ${median(blocks)}`)
  } finally {
    await runner.release()
    await dataSource.destroy()
  }
}

function main(): void {
  const repeat = Math.max(1, Number(process.env['BROADCAST_REPEAT'] ?? 3))
  const times = new Map<VariantName, number[]>(VARIANTS.map((v) => [v, []]))
  for (let round = 0; round < repeat; round++) {
    for (const name of VARIANTS) {
      const run = spawnSync(process.execPath, [...process.execArgv, __filename, name], { encoding: 'utf8' })
      const found = /µs ([\d.]+)/.exec(run.stdout)
      if (run.status !== 0 || found === null) throw new Error(`${name} failed (${run.status}):\n${run.stderr}`)
      times.get(name)!.push(Number(found[1]))
    }
  }
  console.log(`Node ${process.version}: one broadcast('Load') of 50 tickets x 3 comments, µs per call (median over ${repeat} processes; each process's own figure in the last column)\n`)
  console.log('| variant | µs per broadcast | processes |')
  console.log('|---|---|---|')
  for (const name of VARIANTS) {
    const values = times.get(name)!
    console.log(`| ${name} | ${median(values).toFixed(2)} | ${values.map((v) => v.toFixed(2)).join(', ')} |`)
  }
}

const variant = process.argv[2] as VariantName | undefined
if (variant === undefined) main()
else
  child(variant).catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
