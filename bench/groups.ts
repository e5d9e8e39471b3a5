import type { Measurement, WorkerResult } from './protocol'
import type { ResultRow } from './report'
import { filterOf, VARIANT_ORDER, type VariantName } from './variants'

/** One worker process of a run: its name and the variants it interleaves. */
export interface Group {
  readonly name: string
  readonly variants: readonly VariantName[]
}

/**
 * The processes of a run.
 *
 * - `'pairs'` (the default): every variant in a process of its own with `handwritten`, the two interleaved
 *   operation by operation on the same pool. Neither variant's code then carries most of the process's queries.
 *   In one process with all variants, five of the seven run plain TypeORM, and the plugin's ratio follows that
 *   share: in scratch loops on `findOneBy-id` it measured 1.024 beside `handwritten` alone, 1.052 and 1.059 with
 *   three more hand-written twins running, and 1.001 to 1.003 where three of four variants were the plugin's
 *   (2026-12-03; see bench/README.md, "One process per variant").
 * - `'one-process'` (`BENCH_ONE_PROCESS=1`, the layout before 2026-12-03): every variant but cls-hooked's in one
 *   process, and cls-hooked's with `handwritten` in a second one.
 *
 * tenancy-cls-hooked always has a process of its own: cls-hooked's async hooks slow every `await` of a process.
 */
export function benchGroups(layout: 'pairs' | 'one-process'): Group[] {
  const others = VARIANT_ORDER.filter((variant) => variant !== 'handwritten')
  if (layout === 'pairs') return others.map((variant) => ({ name: variant, variants: ['handwritten', variant] }))
  return [
    { name: 'main', variants: VARIANT_ORDER.filter((variant) => variant !== 'tenancy-cls-hooked') },
    { name: 'tenancy-cls-hooked', variants: ['handwritten', 'tenancy-cls-hooked'] },
  ]
}

/** The group whose `handwritten` is the run's baseline row: the plugin's (ALS) process. */
function baselineGroup(results: readonly WorkerResult[]): WorkerResult | undefined {
  return results.find((r) => r.measurements.some((m) => m.variant === 'tenancy-als')) ?? results[0]
}

const sameCell = (a: Measurement, b: Measurement): boolean => a.dataset === b.dataset && a.workload === b.workload && a.mode === b.mode

function withRatios(m: Measurement, group: string, hand: Measurement | undefined): ResultRow {
  return {
    ...m,
    group,
    ratio_vs_handwritten: hand ? m.median_ms / hand.median_ms : Number.NaN,
    p10_ratio_vs_handwritten: hand ? m.p10_ms / hand.p10_ms : Number.NaN,
    cpu_ratio_vs_handwritten: hand ? m.cpu_median_us / hand.cpu_median_us : Number.NaN,
  }
}

/**
 * The rows of `latest.json` from the processes' measurements: each variant's ratios against the `handwritten` of
 * its own process; one `handwritten` row, the plugin's process's (the others go to `baselines`).
 *
 * Against `handwritten-parent-only`: in one process, the paired ratio (and its interval) the worker measured;
 * with the two in processes of their own, the quotient of their ratios to `handwritten` (no interval).
 * tenancy-cls-hooked also gets `ratio_vs_handwritten_without_cls_hooked`: against the baseline row, measured in a
 * process that never loaded cls-hooked.
 */
export function mergeGroups(results: readonly WorkerResult[]): { rows: ResultRow[]; baselines: ResultRow[] } {
  const baseline = baselineGroup(results)
  const rows: ResultRow[] = []
  const baselines: ResultRow[] = []
  for (const result of results) {
    for (const m of result.measurements) {
      const hand = result.measurements.find((b) => sameCell(b, m) && b.variant === 'handwritten')
      const row = withRatios(m, result.group, hand)
      if (m.variant !== 'handwritten') rows.push(row)
      else if (result === baseline) rows.push(row)
      else baselines.push(row)
    }
  }
  const byVariant = (variant: VariantName, like: ResultRow) => rows.find((r) => sameCell(r, like) && r.variant === variant)
  const merged = rows.map((row) => {
    let out = row
    if (row.variant === 'tenancy-cls-hooked') {
      const hand = byVariant('handwritten', row)
      out = { ...out, ratio_vs_handwritten_without_cls_hooked: hand ? row.median_ms / hand.median_ms : Number.NaN }
    }
    const parentOnly = byVariant('handwritten-parent-only', row)
    if (filterOf(row.variant) === 'auto' && parentOnly !== undefined && !parentOnly.error) {
      out =
        parentOnly.group === row.group
          ? { ...out, ratio_vs_handwritten_parent_only: row.median_ms / parentOnly.median_ms }
          : { ...out, ratio_vs_handwritten_parent_only: row.ratio_vs_handwritten / parentOnly.ratio_vs_handwritten }
    }
    return out
  })
  return { rows: merged, baselines }
}
