import { expect } from 'chai'
import { SMALL } from '../../bench/dataset'
import { renderMarkdown, targetVerdict, type ResultRow, type Results } from '../../bench/report'
import type { SqlAloneRow } from '../../bench/sql-alone'

/** The bench's markdown report (pure: no database). */
describe('bench report', () => {
  const row = (variant: ResultRow['variant'], ratio: number, ci: readonly [number, number] | undefined): ResultRow => ({
    dataset: 'small',
    workload: 'find-relation-50',
    mode: 'sequential',
    variant,
    median_ms: ratio,
    p90_ms: ratio,
    p10_ms: ratio,
    cpu_median_us: 100 * ratio,
    samples: 10,
    group: 'main',
    ...(ci ? { ratio_ci95: ci } : {}),
    ratio_vs_handwritten: ratio,
    p10_ratio_vs_handwritten: ratio,
    cpu_ratio_vs_handwritten: ratio,
  })
  const sql = (planner: SqlAloneRow['planner'], ratio: number): SqlAloneRow => ({
    dataset: 'small',
    workload: 'find-relation-50',
    planner,
    handwritten_us: 1000,
    plugin_us: 1000 * ratio,
    ratio,
    ratio_ci95: [ratio - 0.01, ratio + 0.01],
  })
  const results = (sqlAlone: SqlAloneRow[]): Results => ({
    node: 'v20',
    typeorm: '0.3',
    postgres: '15',
    machine: { cpu: 'cpu', cores: 2, memory_gb: 1, os: 'os', load_before: [0, 0, 0], load_after: [0, 0, 0] },
    date: '2026-12-02',
    seconds: 1,
    datasets: [SMALL],
    plan: {},
    rows: [row('handwritten', 1, undefined), row('tenancy-als', 1.08, [1.07, 1.09]), row('rls', 1.3, [1.29, 1.31])],
    baselines: [],
    micro: [],
    sql_alone: sqlAlone,
    notes: [],
  })

  it('gives the SQL-alone ratio beside each target verdict, and a table per planner setting', () => {
    const markdown = renderMarkdown(results([sql('default', 1.074), sql('enable_hashjoin = off', 1.012)]))
    expect(markdown).to.include('1.080 [1.070–1.090]: missed, faster than RLS; its SQL alone 1.074')
    expect(markdown).to.include('| small | default | – | **1.074** [1.064–1.084] (1000 / 1074 µs) |')
    expect(markdown).to.include('| small | enable_hashjoin = off | – | **1.012** [1.002–1.022] (1000 / 1012 µs) |')
  })

  it('leaves the SQL-alone parts out when a run has none', () => {
    const markdown = renderMarkdown(results([]))
    expect(markdown).to.include('1.080 [1.070–1.090]: missed, faster than RLS |')
    expect(markdown).not.to.include('The SQL alone')
  })

  it('gives the ratio against handwritten-parent-only, and its SQL alone, where that variant ran', () => {
    const base = results([{ ...sql('default', 1.01), parent_only_us: 950, ratio_vs_parent_only: 1010 / 950 }])
    const als = { ...row('tenancy-als', 1.01, [1.0, 1.02]), ratio_vs_handwritten_parent_only: 1.06, parent_only_ratio_ci95: [1.05, 1.07] as const }
    const markdown = renderMarkdown({ ...base, rows: [row('handwritten', 1, undefined), row('handwritten-parent-only', 0.95, [0.94, 0.96]), als] })
    expect(markdown).to.include('1.010 [1.000–1.020]: met; its SQL alone 1.010; against handwritten-parent-only 1.060 [1.050–1.070], its SQL alone 1.063 |')
    expect(markdown).to.include('(1000 / 1010 µs); parent only **1.063** (950 µs) |')
    // its own column in the table of the run (after handwritten-twin and no-filter, which did not run here)
    expect(markdown).to.match(/\| find-relation-50 \| [^|]+ \| – \| – \| \*\*0\.95\*\* \[0\.94–0\.96\]/)
  })

  it('gives the A/A ratio (handwritten-twin / handwritten) beside each verdict, and in its own first column', () => {
    const base = results([])
    const markdown = renderMarkdown({ ...base, rows: [...base.rows, row('handwritten-twin', 1.02, [1.01, 1.03])] })
    expect(markdown).to.include('1.080 [1.070–1.090]: missed, faster than RLS; A/A 1.020 [1.010–1.030] |')
    expect(markdown).to.match(/\| find-relation-50 \| [^|]+ \| \*\*1\.02\*\* \[1\.01–1\.03\]/)
  })

  it('calls a ratio whose interval reaches the target "not shown", not "missed"', () => {
    expect(targetVerdict(row('tenancy-als', 1.04, [1.02, 1.06]))).to.equal('not shown')
    expect(targetVerdict(row('tenancy-als', 1.04, [1.031, 1.06]))).to.equal('missed')
    expect(targetVerdict(row('tenancy-als', 1.03, [1.02, 1.06]))).to.equal('met')
  })
})
