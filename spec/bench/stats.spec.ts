import { expect } from 'chai'
import { median, ratioInterval, seededRandom } from '../../bench/stats'

/** The bench's statistics (pure functions: no database). */
describe('bench statistics: the 95% interval of a ratio of medians', () => {
  const grouped = (values: number[]) => ({ values, groups: values.map((_, i) => i) })

  it('is exactly 1 for two identical samples, whatever is drawn', () => {
    const values = Array.from({ length: 200 }, (_, i) => 100 + (i % 17))
    expect(ratioInterval(grouped(values), grouped(values), seededRandom(1))).to.deep.equal([1, 1])
  })

  it('holds the true ratio of a shifted sample and is narrower with more samples', () => {
    const random = seededRandom(2)
    const noisy = (n: number, scale: number) => Array.from({ length: n }, () => scale * (100 + 30 * random()))
    const width = (n: number) => {
      const base = noisy(n, 1)
      const [lo, hi] = ratioInterval(grouped(noisy(n, 1.1)), grouped(base), seededRandom(3))
      expect(lo).to.be.below(1.1)
      expect(hi).to.be.above(1.1)
      return hi - lo
    }
    expect(width(2000)).to.be.below(width(100))
  })

  it('pairs by group: samples of one group (a round) are drawn together on both sides', () => {
    // every round is 10x slower than the one before for both variants: pairing keeps the ratio at 2
    const rounds = [1, 10, 100, 1000]
    const base = { values: rounds.flatMap((r) => [r, r]), groups: rounds.flatMap((_, g) => [g, g]) }
    const doubled = { values: base.values.map((v) => 2 * v), groups: base.groups }
    const [lo, hi] = ratioInterval(doubled, base, seededRandom(4))
    expect(lo).to.equal(2)
    expect(hi).to.equal(2)
    expect(median(doubled.values) / median(base.values)).to.equal(2)
  })

  it('is [NaN, NaN] with nothing to pair', () => {
    const [lo, hi] = ratioInterval({ values: [1], groups: [0] }, { values: [1], groups: [1] }, seededRandom(5))
    expect(Number.isNaN(lo) && Number.isNaN(hi)).to.equal(true)
  })
})
