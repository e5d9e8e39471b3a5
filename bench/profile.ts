import 'reflect-metadata'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { attribute, CODE_OWNERS, type Attribution, type CpuProfile, type FunctionTime } from './cpu-profile'
import { benchScript } from './solo-process'
import { createDataset, databaseUrl, dropDataset, dropRlsRole, SMALL } from './dataset'
import { median } from './stats'
import type { VariantName } from './variants'
import { READ_WORKLOADS, type WorkloadName } from './workloads'

/**
 * `npm run bench:profile`: where the client's time goes in one operation, by the code that spends it (the
 * plugin, TypeORM, pg, Node, the garbage collector), sampled by V8's CPU profiler. Each variant runs alone in
 * a process of its own (an app that runs only it) on the small dataset: `PROFILE_WARMUP` operations (default
 * 5,000), then `PROFILE_OPS` (default 4,000) under the profiler, sampling every `PROFILE_INTERVAL` µs (default
 * 50). The plugin's column is its own code's self time: what the timed bench cannot separate from TypeORM's
 * and from the machine's noise. Its functions are listed, slowest first, and beside the first variant the
 * TypeORM functions whose self time differs most (what one variant's path through TypeORM runs more of).
 *
 * Self time, so a wrapper of the plugin is charged for its own lines and TypeORM's original for the rest;
 * and the other columns are not comparable between processes to better than about ±10% (a process's pg and
 * socket time moved by that much between two processes of the same code on 2026-12-03). Knobs:
 * `PROFILE_WORKLOADS`, `PROFILE_VARIANTS` (default `handwritten,tenancy-als`), `PROFILE_REPEAT` (processes
 * per variant, default 1; the table gives medians), `PROFILE_WATCH` (TypeORM functions whose self time is given
 * for every variant, by name, comma-separated; default `isAliasProperty`), `BENCH_DATABASE_URL`. Writes
 * `results/profile.md`.
 */

interface Sampled {
  readonly attribution: Attribution
  readonly cpuMicros: number
  readonly wallMicros: number
}

async function profileOne(dir: string, id: string, schema: string, url: string, variant: string, workload: WorkloadName, warm: number, ops: number, interval: number): Promise<Sampled> {
  const out = path.join(dir, `${id}.json`)
  const child = spawn(
    process.execPath,
    benchScript('profile-child.ts', [out, schema, url, variant, workload, String(warm), String(ops), String(interval)]),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number>((resolve) => child.on('exit', (exit) => resolve(exit ?? 1)))
  if (code !== 0) throw new Error(`${variant} on ${workload} exited with ${code}:\n${stderr.split('\n').slice(-15).join('\n')}`)
  const result = JSON.parse(readFileSync(out, 'utf8')) as { profile: CpuProfile; operations: number; cpuMicros: number; wallMicros: number }
  rmSync(out)
  return { attribution: attribute(result.profile, result.operations), cpuMicros: result.cpuMicros, wallMicros: result.wallMicros }
}

const us = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1))

interface Medians {
  readonly wall: number
  readonly cpu: number
  readonly owners: number[]
  /** The plugin's functions, slowest first. */
  readonly plugin: { label: string; micros: number }[]
  /** TypeORM's functions, by label. */
  readonly typeorm: Map<string, number>
}

const labelOf = (f: FunctionTime): string => `${f.name} (${f.file}:${f.line})`

/** The median per function over the processes of one variant (0 in a process where it was not sampled). */
function functionMedians(runs: readonly Sampled[], of: (attribution: Attribution) => readonly FunctionTime[]): Map<string, number> {
  const labels = new Set(runs.flatMap((r) => of(r.attribution).map(labelOf)))
  return new Map([...labels].map((label) => [label, median(runs.map((r) => of(r.attribution).find((f) => labelOf(f) === label)?.micros ?? 0))]))
}

/** Medians over the processes of one variant, owner by owner and function by function. */
function medians(runs: readonly Sampled[]): Medians {
  return {
    wall: median(runs.map((r) => r.wallMicros)),
    cpu: median(runs.map((r) => r.cpuMicros)),
    owners: CODE_OWNERS.map((owner) => median(runs.map((r) => r.attribution.byOwner[owner]))),
    plugin: [...functionMedians(runs, (a) => a.plugin)].map(([label, micros]) => ({ label, micros })).sort((a, b) => b.micros - a.micros),
    typeorm: functionMedians(runs, (a) => a.typeorm),
  }
}

/** The self time of TypeORM's functions named `name` (every file and line of that name), summed. */
function selfTimeOf(m: Medians, name: string): number {
  let micros = 0
  for (const [label, value] of m.typeorm) if (label.startsWith(`${name} (`)) micros += value
  return micros
}

/** TypeORM's functions whose self time differs most between `variant` and `base` (what one's path runs more of). */
function typeormDifferences(variant: Medians, base: Medians, count: number): string[] {
  const labels = new Set([...variant.typeorm.keys(), ...base.typeorm.keys()])
  return [...labels]
    .map((label) => ({ label, delta: (variant.typeorm.get(label) ?? 0) - (base.typeorm.get(label) ?? 0) }))
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))
    .slice(0, count)
    .map(({ label, delta }) => `${label} ${delta >= 0 ? '+' : '−'}${us(Math.abs(delta))}`)
}

async function main(): Promise<void> {
  const url = databaseUrl()
  const warm = Number(process.env['PROFILE_WARMUP'] ?? 5000)
  const ops = Number(process.env['PROFILE_OPS'] ?? 4000)
  const interval = Number(process.env['PROFILE_INTERVAL'] ?? 50)
  const repeat = Math.max(1, Number(process.env['PROFILE_REPEAT'] ?? 1))
  const chosen = (process.env['PROFILE_WORKLOADS'] ?? READ_WORKLOADS.join(',')).split(',') as WorkloadName[]
  const variants = (process.env['PROFILE_VARIANTS'] ?? 'handwritten,tenancy-als').split(',') as VariantName[]
  const watched = (process.env['PROFILE_WATCH'] ?? 'isAliasProperty').split(',').filter((name) => name !== '')
  const dataset = await createDataset(url, SMALL, (line) => console.log(line))
  const dir = mkdtempSync(path.join(tmpdir(), 'tenancy-profile-'))
  const results = new Map<string, Sampled[]>()
  try {
    let id = 0
    // one process at a time: two profiled processes would share the machine's cores
    for (const workload of chosen) {
      for (let r = 0; r < repeat; r++) {
        for (const variant of variants) {
          const sampled = await profileOne(dir, `job${id++}`, dataset.schema, url, variant, workload, warm, ops, interval)
          const key = `${workload}/${variant}`
          results.set(key, [...(results.get(key) ?? []), sampled])
          console.log(`  ${workload} ${variant}: ${us(sampled.wallMicros)} µs per operation, typeorm-tenancy's own code ${us(sampled.attribution.byOwner['typeorm-tenancy'])} µs`)
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await dropDataset(url, dataset)
    // createDataset makes the RLS variant's role too, which this tool does not use
    await dropRlsRole(url)
  }
  const lines = [
    `Self time per operation (µs), sampled every ${interval} µs by V8's CPU profiler; ${process.version}, small dataset, ${warm} operations of warm-up, ${ops} profiled, each variant in ${repeat === 1 ? 'a process of its own' : `${repeat} processes of its own (medians)`}. "wall" and "client CPU" are per operation, measured around the profiled operations; "sampled" is what the profiler saw not idle. Only the typeorm-tenancy column is comparable to better than about ±10% between processes (the others move with the machine: pg's and the socket's time did by that much between two processes of the same code).`,
    '',
  ]
  for (const workload of chosen) {
    lines.push(`**${workload}**`, '', `| variant | wall | client CPU | sampled | ${CODE_OWNERS.join(' | ')} |`, `|---|---|---|---|${CODE_OWNERS.map(() => '---').join('|')}|`)
    const rows = variants.map((variant) => ({ variant, m: medians(results.get(`${workload}/${variant}`)!) }))
    for (const { variant, m } of rows) {
      const sampled = m.owners.reduce((sum, value) => sum + value, 0)
      lines.push(`| ${variant} | ${us(m.wall)} | ${us(m.cpu)} | ${us(sampled)} | ${m.owners.map(us).join(' | ')} |`)
    }
    const base = rows[0]!
    for (const { variant, m } of rows) {
      const own = m.owners[CODE_OWNERS.indexOf('typeorm-tenancy')]!
      if (own >= 0.05) {
        const top = m.plugin.slice(0, 8).map((f) => `${f.label} ${us(f.micros)}`)
        lines.push('', `${variant}: typeorm-tenancy's own code ${us(own)} µs (${((100 * own) / m.wall).toFixed(2)}% of the wall time); its functions: ${top.join(', ')}.`)
      }
      if (variant !== base.variant) lines.push('', `${variant} against ${base.variant}, TypeORM's functions that differ most (µs): ${typeormDifferences(m, base.m, 5).join(', ')}.`)
    }
    for (const name of watched) {
      const each = rows.map(({ variant, m }) => `${variant} ${us(selfTimeOf(m, name))}`)
      lines.push('', `TypeORM's \`${name}\`, self time per operation (µs): ${each.join(', ')}.`)
    }
    lines.push('')
  }
  const table = lines.join('\n')
  writeFileSync(path.join(__dirname, 'results', 'profile.md'), table)
  console.log(`\n${table}\nwrote bench/results/profile.md`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
