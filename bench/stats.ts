/** Small statistics helpers: percentiles of a sample, a seeded shuffle. */

/** The q-quantile (0..1) of `values`, by linear interpolation; NaN for an empty sample. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const position = (sorted.length - 1) * q
  const lower = Math.floor(position)
  const upper = Math.ceil(position)
  const low = sorted[lower]!
  const high = sorted[upper]!
  return low + (high - low) * (position - lower)
}

export const median = (values: readonly number[]): number => quantile(values, 0.5)
export const p90 = (values: readonly number[]): number => quantile(values, 0.9)

/** A seeded PRNG (mulberry32): every run draws the same tenants and ids. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fisher-Yates, in place. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const a = items[i]!
    items[i] = items[j]!
    items[j] = a
  }
  return items
}

/** Samples tagged with the group they were measured in (an input run by every variant, or a concurrent round). */
export interface GroupedSamples {
  readonly values: readonly number[]
  readonly groups: readonly number[]
}

/**
 * A 95% interval of median(variant) / median(baseline), by a paired bootstrap over groups: each resample draws
 * the groups (inputs, or rounds) with replacement and takes every sample of both variants in them, so the noise
 * that hit one input or round hits both sides of the ratio alike. `[NaN, NaN]` when there is nothing to pair.
 */
export function ratioInterval(variant: GroupedSamples, baseline: GroupedSamples, random: () => number, resamples = 400): [number, number] {
  const byGroup = (samples: GroupedSamples): Map<number, number[]> => {
    const map = new Map<number, number[]>()
    samples.values.forEach((value, i) => {
      const group = samples.groups[i]!
      const list = map.get(group)
      if (list) list.push(value)
      else map.set(group, [value])
    })
    return map
  }
  const v = byGroup(variant)
  const b = byGroup(baseline)
  const groups = [...v.keys()].filter((g) => b.has(g))
  if (groups.length === 0) return [Number.NaN, Number.NaN]
  const vGroups = groups.map((g) => v.get(g)!)
  const bGroups = groups.map((g) => b.get(g)!)
  const capacity = (lists: number[][]): number => lists.reduce((max, list) => Math.max(max, list.length), 0) * groups.length
  const vBuffer = new Float64Array(capacity(vGroups))
  const bBuffer = new Float64Array(capacity(bGroups))
  const medianOf = (buffer: Float64Array, length: number): number => {
    const sorted = buffer.subarray(0, length).sort()
    const mid = (length - 1) / 2
    return (sorted[Math.floor(mid)]! + sorted[Math.ceil(mid)]!) / 2
  }
  const ratios: number[] = []
  for (let r = 0; r < resamples; r++) {
    let vn = 0
    let bn = 0
    for (let i = 0; i < groups.length; i++) {
      const pick = Math.floor(random() * groups.length)
      for (const value of vGroups[pick]!) vBuffer[vn++] = value
      for (const value of bGroups[pick]!) bBuffer[bn++] = value
    }
    ratios.push(medianOf(vBuffer, vn) / medianOf(bBuffer, bn))
  }
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)]
}
