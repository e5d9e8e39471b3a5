import { Client } from 'pg'
import type { DatasetSize } from './dataset'
import { StatementRecorder, type Statement } from './statement-recorder'
import { median, ratioInterval, shuffle } from './stats'
import { openVariant, type VariantName } from './variants'
import { drawInput, runsWorkload, workloads, type WorkloadName } from './workloads'

/**
 * The SQL alone: the statements `handwritten` and the plugin send for the same inputs, captured once through
 * TypeORM's logger, then timed on one raw `pg` connection (no TypeORM, no plugin code), interleaved input by
 * input in a shuffled order. A ratio here is what the database (and the driver's row parsing) charges for the
 * plugin's SQL; the rest of a workload's ratio is client code.
 *
 * Run twice: with the planner's defaults, and with `enable_hashjoin = off`, which shows whether a difference
 * comes from the plan PostgreSQL picks for the plugin's SQL (the join guard of `find-relation-50`).
 *
 * On the workloads `handwritten-parent-only` runs (`find-relation-50`), its statements are timed in the same
 * shuffle: the plugin against them is what the join guard costs PostgreSQL.
 */
export interface SqlAloneRow {
  readonly dataset: DatasetSize['name']
  readonly workload: WorkloadName
  readonly planner: 'default' | 'enable_hashjoin = off'
  /** Median time of the hand-written statements of one operation (all of them, back to back), µs. */
  readonly handwritten_us: number
  /** The same for the plugin's statements. */
  readonly plugin_us: number
  /** plugin_us / handwritten_us. */
  readonly ratio: number
  readonly ratio_ci95: readonly [number, number]
  /** Where `handwritten-parent-only` runs (find-relation-50): the median of its statements, µs. */
  readonly parent_only_us?: number
  /** plugin_us / parent_only_us. */
  readonly ratio_vs_parent_only?: number
}

type Side = 'hand' | 'plugin' | 'parent'

const CAPTURED: ReadonlyArray<{ readonly variant: VariantName; readonly side: Side }> = [
  { variant: 'handwritten', side: 'hand' },
  // the query filter's SQL; the failsafe sends none
  { variant: 'tenancy-als-no-failsafe', side: 'plugin' },
  // only on the workloads it runs
  { variant: 'handwritten-parent-only', side: 'parent' },
]

/** Inputs per dataset and workload; each is timed `REPEATS` times per planner setting. */
const INPUTS = 100
const REPEATS = 3
/** Timed runs before measuring, per setting: the connection's caches warm up. */
const WARMUP = 200

/**
 * Captures the statements of each read workload for `INPUTS` inputs, then times them as above. `random` draws
 * the inputs and the order; `resampling` the bootstrap (as the worker's).
 */
export async function measureSqlAlone(
  url: string,
  datasets: ReadonlyArray<{ readonly size: DatasetSize; readonly schema: string }>,
  random: () => number,
  resampling: () => number,
): Promise<SqlAloneRow[]> {
  const rows: SqlAloneRow[] = []
  for (const { size, schema } of datasets) {
    const reads = workloads(size).filter((workload) => workload.read)
    const inputs = Array.from({ length: INPUTS }, (_, serial) => drawInput(size, random, serial))
    // `${side}/${workload}`: the statements of each input, in input order
    const statements = new Map<string, Statement[][]>()
    for (const { variant: name, side } of CAPTURED) {
      const variant = await openVariant(name, url, schema)
      const logger = new StatementRecorder()
      variant.dataSource.setOptions({ logger, logging: ['query'] })
      try {
        for (const workload of reads) {
          if (!runsWorkload(variant, workload)) continue
          const perInput: Statement[][] = []
          for (const input of inputs) {
            await variant.request(input.organization, (manager) => workload.run(manager, variant.filter, input))
            perInput.push(logger.take())
          }
          statements.set(`${side}/${workload.name}`, perInput)
        }
      } finally {
        await variant.dataSource.destroy()
      }
    }
    const client = new Client({ connectionString: url })
    await client.connect()
    /** Runs one operation's statements back to back; its time in µs. */
    const run = async (list: readonly Statement[]): Promise<number> => {
      const t0 = process.hrtime.bigint()
      for (const statement of list) await client.query(statement.sql, statement.parameters as unknown[])
      return Number(process.hrtime.bigint() - t0) / 1000
    }
    try {
      for (const planner of ['default', 'enable_hashjoin = off'] as const) {
        await client.query(planner === 'default' ? 'RESET enable_hashjoin' : 'SET enable_hashjoin = off')
        for (const workload of reads) {
          const sides = (['hand', 'plugin', 'parent'] as const).filter((side) => statements.has(`${side}/${workload.name}`))
          const of = (side: Side): Statement[][] => statements.get(`${side}/${workload.name}`)!
          for (let i = 0; i < WARMUP; i++) for (const side of sides) await run(of(side)[i % INPUTS]!)
          const timed = new Map(sides.map((side) => [side, { values: [] as number[], groups: [] as number[] }]))
          for (let repeat = 0; repeat < REPEATS; repeat++) {
            for (let i = 0; i < INPUTS; i++) {
              for (const side of shuffle([...sides], random)) {
                const us = await run(of(side)[i]!)
                timed.get(side)!.values.push(us)
                timed.get(side)!.groups.push(repeat * INPUTS + i)
              }
            }
          }
          const handwritten_us = median(timed.get('hand')!.values)
          const plugin_us = median(timed.get('plugin')!.values)
          const parent = timed.get('parent')
          const parent_only_us = parent !== undefined ? median(parent.values) : undefined
          rows.push({
            dataset: size.name,
            workload: workload.name,
            planner,
            handwritten_us,
            plugin_us,
            ratio: plugin_us / handwritten_us,
            ratio_ci95: ratioInterval(timed.get('plugin')!, timed.get('hand')!, resampling),
            ...(parent_only_us !== undefined ? { parent_only_us, ratio_vs_parent_only: plugin_us / parent_only_us } : {}),
          })
        }
      }
    } finally {
      await client.end()
    }
  }
  return rows
}
