import type { DatasetSize } from './dataset'
import type { SqlAloneRow } from './sql-alone'
import type { VariantName } from './variants'
import type { WorkloadName } from './workloads'

export type Mode = 'sequential' | 'concurrent'

/** How much to run: the same plan for every variant of a group. */
export interface Plan {
  /**
   * Sequential mode: operations per variant. Each operation's input is run by every variant back to back, in
   * a freshly shuffled order, so a burst of machine noise hits all variants alike.
   */
  readonly sequentialOps: number
  /**
   * Sequential mode: operations a variant runs in a row in its turn (1: every input is run by each variant back to
   * back, the default; k: each variant runs k inputs in a row, then the next variant the same k).
   */
  readonly block: number
  /** Concurrent mode: rounds; in each, every variant (shuffled) runs `clients` x `perClient` operations. */
  readonly concurrentRounds: number
  /** Concurrent clients. */
  readonly clients: number
  /** Operations per client per round, concurrent mode. */
  readonly perClient: number
  /** Warm-up operations per variant and dataset, before anything is measured. */
  readonly warmup: number
  /**
   * True (the default): every variant but rls runs on handwritten's pg pool, so all of them use the same
   * PostgreSQL connections (see `sharePool`). False (`BENCH_OWN_POOLS=1`): a pool per variant.
   */
  readonly sharedPool: boolean
  /** The modes run on each dataset size. */
  readonly modes: Readonly<Record<DatasetSize['name'], readonly Mode[]>>
}

/** What the orchestrator hands a worker process. */
export interface WorkerTask {
  /** The group's name (see `benchGroups`): the variant compared with `handwritten` in it, or `main`. */
  readonly group: string
  readonly variants: readonly VariantName[]
  readonly url: string
  readonly datasets: ReadonlyArray<{ readonly size: DatasetSize; readonly schema: string }>
  readonly plan: Plan
  readonly seed: number
}

/** One measured cell. */
export interface Measurement {
  readonly dataset: DatasetSize['name']
  readonly workload: WorkloadName
  readonly mode: Mode
  readonly variant: VariantName
  readonly median_ms: number
  readonly p90_ms: number
  /** The 10th percentile: the operations the shared machine's scheduler did not delay. */
  readonly p10_ms: number
  /** Median CPU time of the client process per operation, µs (per batch / operations in concurrent mode). */
  readonly cpu_median_us: number
  readonly samples: number
  /**
   * A 95% interval of the wall-time ratio to the hand-written baseline of the same process (a paired bootstrap
   * over inputs, or over rounds when concurrent); absent for the baseline itself.
   */
  readonly ratio_ci95?: readonly [number, number]
  /**
   * The same against `handwritten-parent-only`, for the variants that filter by themselves (the plugin's,
   * rls), on the workloads that variant runs.
   */
  readonly parent_only_ratio_ci95?: readonly [number, number]
  /** Set when the workload failed for this variant (it was then not measured). */
  readonly error?: string
}

export interface MicroResult {
  readonly name: string
  readonly value: number | null
  readonly unit: string
  readonly note?: string
}

/** What a worker sends back. */
export interface WorkerResult {
  readonly group: WorkerTask['group']
  readonly measurements: Measurement[]
  readonly micro: MicroResult[]
  /** The plugin's (ALS) group only: the SQL of each read workload timed alone (see sql-alone.ts). */
  readonly sqlAlone: SqlAloneRow[]
  readonly seconds: number
}
