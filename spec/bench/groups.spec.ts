import { expect } from 'chai'
import { benchGroups, mergeGroups } from '../../bench/groups'
import type { Measurement, WorkerResult } from '../../bench/protocol'

/** How a run's processes are laid out, and how their measurements become the rows of latest.json (pure). */
describe('bench groups', () => {
  const cell = (variant: Measurement['variant'], median: number, workload: Measurement['workload'] = 'findOneBy-id'): Measurement => ({
    dataset: 'small',
    workload,
    mode: 'sequential',
    variant,
    median_ms: median,
    p90_ms: 2 * median,
    p10_ms: median / 2,
    cpu_median_us: 100 * median,
    samples: 10,
  })
  const result = (group: string, measurements: Measurement[]): WorkerResult => ({ group, measurements, micro: [], sqlAlone: [], seconds: 1 })

  it('puts every variant in a process of its own with handwritten, and cls-hooked apart in either layout', () => {
    const pairs = benchGroups('pairs')
    expect(pairs.map((g) => g.variants)).to.deep.include(['handwritten', 'tenancy-als'])
    expect(pairs.every((g) => g.variants.length === 2 && g.variants[0] === 'handwritten')).to.equal(true)
    expect(pairs.map((g) => g.name)).not.to.include('handwritten')
    const one = benchGroups('one-process')
    expect(one.map((g) => g.name)).to.deep.equal(['main', 'tenancy-cls-hooked'])
    expect(one[0]!.variants).to.include('tenancy-als').and.not.include('tenancy-cls-hooked')
  })

  it("gives each variant its ratios against its own process's handwritten, and keeps the plugin's process's handwritten as the baseline row", () => {
    const { rows, baselines } = mergeGroups([
      result('no-filter', [cell('handwritten', 2), cell('no-filter', 1.8)]),
      result('tenancy-als', [cell('handwritten', 1), cell('tenancy-als', 1.02)]),
      result('tenancy-cls-hooked', [cell('handwritten', 1.5), cell('tenancy-cls-hooked', 1.65)]),
    ])
    const row = (variant: string) => rows.find((r) => r.variant === variant)!
    expect(row('no-filter').ratio_vs_handwritten).to.be.closeTo(0.9, 1e-9)
    expect(row('no-filter').group).to.equal('no-filter')
    expect(row('tenancy-als').ratio_vs_handwritten).to.be.closeTo(1.02, 1e-9)
    expect(row('tenancy-als').cpu_ratio_vs_handwritten).to.be.closeTo(1.02, 1e-9)
    expect(row('tenancy-cls-hooked').ratio_vs_handwritten).to.be.closeTo(1.1, 1e-9)
    // against the baseline of a process that never loaded cls-hooked
    expect(row('tenancy-cls-hooked').ratio_vs_handwritten_without_cls_hooked).to.be.closeTo(1.65, 1e-9)
    expect(rows.filter((r) => r.variant === 'handwritten').map((r) => [r.group, r.median_ms])).to.deep.equal([['tenancy-als', 1]])
    expect(baselines.map((r) => r.group)).to.deep.equal(['no-filter', 'tenancy-cls-hooked'])
  })

  it('compares with handwritten-parent-only by the quotient of two ratios across processes, and directly in one process', () => {
    const apart = mergeGroups([
      result('handwritten-parent-only', [cell('handwritten', 2, 'find-relation-50'), cell('handwritten-parent-only', 1.9, 'find-relation-50')]),
      result('tenancy-als', [cell('handwritten', 1, 'find-relation-50'), cell('tenancy-als', 1.0, 'find-relation-50')]),
    ])
    const als = apart.rows.find((r) => r.variant === 'tenancy-als')!
    expect(als.ratio_vs_handwritten_parent_only).to.be.closeTo(1 / 0.95, 1e-9)
    expect(apart.rows.find((r) => r.variant === 'handwritten-parent-only')!.ratio_vs_handwritten_parent_only).to.equal(undefined)
    const together = mergeGroups([
      result('main', [cell('handwritten', 1, 'find-relation-50'), cell('handwritten-parent-only', 0.9, 'find-relation-50'), cell('tenancy-als', 0.99, 'find-relation-50')]),
    ])
    expect(together.rows.find((r) => r.variant === 'tenancy-als')!.ratio_vs_handwritten_parent_only).to.be.closeTo(1.1, 1e-9)
    expect(together.baselines).to.deep.equal([])
  })
})
