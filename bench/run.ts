import 'reflect-metadata'
import { fork } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DataSource } from 'typeorm'
import { typeormVersion } from '../lib/install/typeorm-version'
import { createDataset, databaseUrl, dropDataset, dropRlsRole, LARGE, SMALL, type Dataset } from './dataset'
import type { Plan, WorkerResult, WorkerTask } from './protocol'
import { benchGroups, mergeGroups } from './groups'
import { renderMarkdown, renderText, type ResultRow, type Results } from './report'
import { VARIANT_ORDER } from './variants'

/**
 * `npm run bench`: the plugin's cost against a hand-written filter and against PostgreSQL row-level
 * security, measured side by side, as ratios. See bench/README.md for the knobs.
 */

const args = new Set(process.argv.slice(2))
const quick = args.has('--small') || process.env['BENCH_SMALL'] === '1'
const int = (name: string, fallback: number): number => {
  const value = process.env[name]
  return value === undefined || value === '' ? fallback : Math.max(1, Number.parseInt(value, 10))
}

const sharedPool = process.env['BENCH_OWN_POOLS'] !== '1'
const layout = process.env['BENCH_ONE_PROCESS'] === '1' ? 'one-process' : 'pairs'
const groups = benchGroups(layout)
const plan: Plan = quick
  ? { sequentialOps: int('BENCH_SEQUENTIAL_OPS', 120), block: int('BENCH_BLOCK', 1), concurrentRounds: int('BENCH_ROUNDS', 8), clients: 8, perClient: int('BENCH_PER_CLIENT', 2), warmup: int('BENCH_WARMUP', 1500), sharedPool, modes: { small: ['sequential', 'concurrent'], large: [] } }
  : { sequentialOps: int('BENCH_SEQUENTIAL_OPS', 2000), block: int('BENCH_BLOCK', 1), concurrentRounds: int('BENCH_ROUNDS', 400), clients: 8, perClient: int('BENCH_PER_CLIENT', 2), warmup: int('BENCH_WARMUP', 1500), sharedPool, modes: { large: ['sequential', 'concurrent'], small: ['sequential'] } }

const log = (line: string): void => {
  process.stderr.write(line + '\n')
}

function runWorker(task: WorkerTask): Promise<WorkerResult> {
  const execArgv = [...process.execArgv]
  if (process.env['BENCH_CPU_PROF']) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.join(__dirname, 'results', 'profiles')}`)
  const child = fork(path.join(__dirname, 'worker.ts'), [], { execArgv, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    let result: WorkerResult | undefined
    child.once('message', (message) => {
      result = message as WorkerResult
    })
    child.once('error', reject)
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the ${task.group} worker exited with code ${code}`))))
    child.send(task)
  })
}

async function serverVersion(url: string): Promise<string> {
  const ds = new DataSource({ type: 'postgres', url })
  await ds.initialize()
  try {
    const [row] = (await ds.query('SHOW server_version')) as Array<{ server_version: string }>
    return row?.server_version ?? 'unknown'
  } finally {
    await ds.destroy()
  }
}

async function main(): Promise<void> {
  const url = databaseUrl()
  const started = Date.now()
  const loadBefore = os.loadavg()
  const postgres = await serverVersion(url)
  const typeorm = typeormVersion()
  log(`typeorm-tenancy bench: Node ${process.version}, TypeORM ${typeorm}, PostgreSQL ${postgres}, ${os.cpus().length} cores, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`)

  const sizes = quick ? [SMALL] : [LARGE, SMALL]
  const datasets: Dataset[] = []
  const cleanup = async (): Promise<void> => {
    for (const dataset of datasets.splice(0)) await dropDataset(url, dataset).catch((e: unknown) => log(`could not drop ${dataset.schema}: ${String(e)}`))
    await dropRlsRole(url)
  }
  const onSignal = (): void => {
    void cleanup().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  const done: WorkerResult[] = []
  try {
    for (const size of sizes) datasets.push(await createDataset(url, size, log))
    const shared = { url, datasets: datasets.map((d) => ({ size: d.size, schema: d.schema })), plan, seed: 20261123 }
    for (const group of groups) {
      log(`group ${group.name}: ${group.variants.join(', ')} (interleaved, shuffled)`)
      done.push(await runWorker({ ...shared, group: group.name, variants: group.variants }))
    }
  } finally {
    await cleanup()
  }

  const { rows, baselines } = mergeGroups(done)
  const order: readonly string[] = VARIANT_ORDER
  const keyOf = (r: ResultRow) => `${r.dataset === 'large' ? 0 : 1}${r.mode === 'sequential' ? 0 : 1}`
  const workloadOrder = [...new Set(rows.map((r) => r.workload))]
  rows.sort((a, b) => keyOf(a).localeCompare(keyOf(b)) || workloadOrder.indexOf(a.workload) - workloadOrder.indexOf(b.workload) || order.indexOf(a.variant) - order.indexOf(b.variant))

  const cpus = os.cpus()
  const results: Results = {
    node: process.version,
    typeorm,
    postgres,
    machine: {
      cpu: cpus[0]?.model.trim() ?? 'unknown',
      cores: cpus.length,
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      load_before: loadBefore,
      load_after: os.loadavg(),
    },
    date: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    datasets: sizes,
    plan: { ...plan, layout },
    rows,
    baselines,
    micro: done.flatMap((result) => result.micro),
    sql_alone: done.flatMap((result) => result.sqlAlone),
    notes: [
      `Each variant was warmed up with ${plan.warmup} operations. Sequential: ` +
        (plan.block === 1
          ? `every input is run by each variant of a process back to back, in a shuffled order`
          : `in each turn every variant of a process runs the same ${plan.block} inputs in a row, variants in a shuffled order`) +
        ` (${plan.sequentialOps} operations per variant and workload). Concurrent: ${plan.concurrentRounds} rounds, each variant ` +
        `(shuffled) running ${plan.clients} clients x ${plan.perClient} operations on the same inputs. Ratios compare medians of per-operation latency.`,
      plan.sharedPool
        ? "Every variant but rls runs on handwritten's pg pool (the same PostgreSQL connections, all opened before the warm-up); rls has its own, for its role."
        : 'Every variant runs on a pg pool of its own (BENCH_OWN_POOLS=1).',
      layout === 'pairs'
        ? 'Every variant runs in a process of its own with handwritten (the pair interleaved, each ratio against the handwritten of its ' +
          'own process): in one process with all variants, the plain TypeORM ones carry most of its queries, and the plugin measured ' +
          '2 to 4% more than beside handwritten alone (see bench/README.md, "One process per variant"). The handwritten column is the ' +
          "one of tenancy-als's process; the other processes' are `baselines` in latest.json. Against handwritten-parent-only: the " +
          'quotient of the two processes\' ratios (no interval).'
        : 'Every variant but tenancy-cls-hooked in one process (BENCH_ONE_PROCESS=1).',
      'tenancy-cls-hooked always has a process of its own (cls-hooked installs async hooks that slow every await in the process); ' +
        '`ratio_vs_handwritten_without_cls_hooked` in latest.json compares it with the handwritten of tenancy-als\'s process.',
      'tenancy-als and tenancy-cls-hooked run with the defaults (query filter and failsafe on); tenancy-als-no-failsafe is `failsafe: false`, the query filter alone.',
      'handwritten guards the parent and every join (on find-relation-50 with a QueryBuilder: find options cannot put a condition in a ' +
        "join's ON); handwritten-parent-only is the same find with `where: { organizationId }` on the parent alone, which lets another " +
        "tenant's comments through a ticket's relation; it runs on find-relation-50 only.",
      'handwritten-twin runs the code of handwritten on a DataSource of its own (an A/A control): its ratio to handwritten is 1.00 but for this run\'s noise' +
        (layout === 'pairs' ? ' (in a process of its own with handwritten, as every other variant).' : '.'),
      'no-filter is wrong on purpose: it reads every tenant (its count scans all tenants\' rows).',
      'rls: a non-owner role, the policy `"organizationId" = (SELECT current_setting(\'app.tenant_id\')::int)`, and ' +
        '`set_config(\'app.tenant_id\', $1, true)` in a transaction per request (BEGIN, set_config, the query, COMMIT).',
      'The machine is shared with other engineers\' test runs: absolute times are noisy, ratios less so.',
    ],
  }

  const outDir = path.join(__dirname, 'results')
  mkdirSync(outDir, { recursive: true })
  const suffix = quick ? '-small' : ''
  writeFileSync(path.join(outDir, `latest${suffix}.json`), JSON.stringify(results, null, 2) + '\n')
  writeFileSync(path.join(outDir, `latest${suffix}.md`), renderMarkdown(results))
  console.log(renderText(results))
  log(`\nwrote bench/results/latest${suffix}.json and latest${suffix}.md in ${Math.round(results.seconds)} s`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
