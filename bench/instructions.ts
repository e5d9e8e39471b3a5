import 'reflect-metadata'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import { benchScript } from './solo-process'
import { createDataset, databaseUrl, dropDataset, dropRlsRole, SMALL } from './dataset'
import { READ_WORKLOADS, type WorkloadName } from './workloads'

/**
 * `npm run bench:instructions`: the CPU instructions one operation costs the client, counted by valgrind's
 * callgrind, for each read workload and each of these, every one in a process of its own (an app that runs
 * only it):
 * - `handwritten`: plain TypeORM with the filter written by hand, in a process that never used AsyncLocalStorage;
 * - `handwritten + ALS`: the same after one `AsyncLocalStorage.run()` (an app that already uses it: on Node 20
 *   that enables a promise hook every promise of the process pays);
 * - `tenancy-als`, `tenancy-als-no-failsafe`: the plugin, with and without the failsafe.
 *
 * Unlike time, an instruction count does not depend on what else the machine runs: two runs agreed within 0.2%
 * (`findOneBy-id`) and 1% (`count`) on one machine, but the processes of one case spread by 1% on another
 * (`INSTR_REPEAT=3`), so it tells a change of a few thousand instructions in an operation of 300,000, not less. On the reads that load 100 to 200 entities one process per case is not enough (`INSTR_REPEAT`: V8
 * optimizes other functions at other moments in each process). It counts user-space
 * instructions of the client only (not the kernel, not PostgreSQL), and it leaves out V8's optimizing compiler
 * (`v8::internal::compiler::`, which still runs now and then after the warm-up, at different moments in
 * different runs). It needs valgrind (Debian: `apt-get install valgrind`). Knobs: `INSTR_WORKLOADS`
 * (comma-separated), `INSTR_WARMUP` (default 5000), `INSTR_OPS` (default 1000), `INSTR_REPEAT` (processes per
 * case, default 1; the table gives the median), `BENCH_DATABASE_URL`.
 * Writes `results/instructions.md`.
 */

interface Case {
  readonly label: string
  readonly variant: string
  readonly als: boolean
}

const CASES: readonly Case[] = [
  { label: 'handwritten', variant: 'handwritten', als: false },
  { label: 'handwritten + ALS', variant: 'handwritten', als: true },
  { label: 'tenancy-als', variant: 'tenancy-als', als: false },
  { label: 'tenancy-als-no-failsafe', variant: 'tenancy-als-no-failsafe', als: false },
]

/** Functions of V8's optimizing compiler (and its other tiers' compilers), left out of the counts. */
const COMPILER = /v8::internal::(compiler|turboshaft|maglev)::|v8::internal::baseline::/

interface Count {
  readonly total: number
  readonly compiler: number
}

function requireValgrind(): void {
  for (const tool of ['valgrind', 'callgrind_control', 'callgrind_annotate']) {
    const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' })
    if (probe.error !== undefined) {
      throw new Error(`${tool} was not found: bench:instructions counts instructions with valgrind's callgrind; install valgrind (Debian: apt-get install valgrind)`)
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function until(file: string, child: { exitCode: number | null }): Promise<void> {
  while (!existsSync(file)) {
    if (child.exitCode !== null) throw new Error(`the measured process exited (${child.exitCode}) before ${path.basename(file)}`)
    await sleep(100)
  }
}

/** Runs one case under callgrind and returns its instruction counts for the measured operations. */
async function measure(dir: string, id: string, schema: string, url: string, workload: WorkloadName, c: Case, warm: number, ops: number): Promise<Count> {
  const gate = path.join(dir, id)
  const out = path.join(dir, `${id}.callgrind`)
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${out}`,
      process.execPath,
      '--single-threaded',
      ...benchScript('instructions-child.ts', [gate, schema, url, c.variant, workload, String(warm), String(ops), c.als ? 'als' : '-']),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)))
  try {
    await until(`${gate}.ready`, child)
    spawnSync('callgrind_control', ['-i', 'on', String(child.pid)])
    writeFileSync(`${gate}.on`, '')
    await until(`${gate}.done`, child)
    spawnSync('callgrind_control', ['-i', 'off', String(child.pid)])
    writeFileSync(`${gate}.off`, '')
  } catch (error) {
    child.kill()
    throw new Error(`${(error as Error).message}\n${stderr.split('\n').slice(-15).join('\n')}`)
  }
  const code = await exited
  if (code !== 0) throw new Error(`${c.label} on ${workload} exited with ${code}:\n${stderr.split('\n').slice(-15).join('\n')}`)
  return count(out)
}

/** Total instructions of a callgrind file, and those spent in V8's compilers. */
function count(file: string): Count {
  const annotated = spawnSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', '--auto=no', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  let total = 0
  let compiler = 0
  for (const line of annotated.stdout.split('\n')) {
    // "  1,234 ( 0.01%)  file:function [object]", and one "PROGRAM TOTALS" line
    const match = /^\s*([\d,]+) \([^)]*\)\s+(.*)$/.exec(line)
    if (match === null) continue
    const instructions = Number(match[1]!.replace(/,/g, ''))
    if (match[2] === 'PROGRAM TOTALS') total = instructions
    else if (COMPILER.test(match[2]!)) compiler += instructions
  }
  if (total === 0) throw new Error(`callgrind_annotate found no instructions in ${file}: ${annotated.stderr}`)
  return { total, compiler }
}

async function main(): Promise<void> {
  requireValgrind()
  const url = databaseUrl()
  const warm = Number(process.env['INSTR_WARMUP'] ?? 5000)
  const ops = Number(process.env['INSTR_OPS'] ?? 1000)
  const repeat = Math.max(1, Number(process.env['INSTR_REPEAT'] ?? 1))
  const chosen = (process.env['INSTR_WORKLOADS'] ?? READ_WORKLOADS.join(',')).split(',') as WorkloadName[]
  const dataset = await createDataset(url, SMALL, (line) => console.log(line))
  const dir = mkdtempSync(path.join(tmpdir(), 'tenancy-instructions-'))
  const results = new Map<string, Count[]>()
  try {
    const jobs = chosen.flatMap((workload) => CASES.flatMap((c) => Array.from({ length: repeat }, () => ({ workload, c }))))
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const { workload, c } = jobs[next]!
        const id = `job${next++}`
        const counted = await measure(dir, id, dataset.schema, url, workload, c, warm, ops)
        const key = `${workload}/${c.label}`
        results.set(key, [...(results.get(key) ?? []), counted])
        console.log(`  ${workload} ${c.label}: ${perOp(net(counted), ops)}k instructions per operation`)
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, Math.min(2, cpus().length)) }, worker))
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await dropDataset(url, dataset)
    // createDataset makes the RLS variant's role too, which this tool does not use
    await dropRlsRole(url)
  }
  const lines = [
    `Instructions per operation (thousands), client user space, V8's compilers left out; ${process.version}, small dataset, ${warm} operations of warm-up, ${ops} counted, each case in ${repeat === 1 ? 'a process of its own' : `${repeat} processes of its own (the median; the range in brackets)`}. In parentheses: the ratio to \`handwritten + ALS\`.`,
    '',
    `| workload | ${CASES.map((c) => c.label).join(' | ')} |`,
    `|---|${CASES.map(() => '---').join('|')}|`,
  ]
  for (const workload of chosen) {
    const base = middle(results.get(`${workload}/handwritten + ALS`)!)
    const cells = CASES.map((c) => {
      const counts = results.get(`${workload}/${c.label}`)!
      const nets = counts.map(net)
      const range = nets.length === 1 ? '' : ` [${perOp(Math.min(...nets), ops)}–${perOp(Math.max(...nets), ops)}]`
      const median = middle(counts)
      return `${perOp(median, ops)}${range} (${(median / base).toFixed(3)})`
    })
    lines.push(`| ${workload} | ${cells.join(' | ')} |`)
  }
  const table = lines.join('\n') + '\n'
  writeFileSync(path.join(__dirname, 'results', 'instructions.md'), table)
  console.log(`\n${table}\nwrote bench/results/instructions.md`)
}

const net = (c: Count): number => c.total - c.compiler
const perOp = (instructions: number, ops: number): string => (instructions / ops / 1000).toFixed(1)

/** The median of the net counts (the lower middle one for an even number of processes). */
function middle(counts: readonly Count[]): number {
  const sorted = counts.map(net).sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
