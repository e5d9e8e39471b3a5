import 'reflect-metadata'
import type { DatasetSize } from './dataset'
import { restoreDataset } from './dataset'
import { measureContextLookup, measureStripPass } from './micro'
import type { Measurement, MicroResult, Mode, WorkerResult, WorkerTask } from './protocol'
import { median, p90, quantile, ratioInterval, seededRandom, shuffle } from './stats'
import { measureSqlAlone, type SqlAloneRow } from './sql-alone'
import { sharePool } from './shared-pool'
import { filterOf, openVariant, POOL_SIZE, type Variant } from './variants'
import { drawInput, runsWorkload, workloads, type OperationInput, type Workload } from './workloads'

/**
 * One group of variants in one process (see `benchGroups`: by default a variant and `handwritten`), measured
 * round by round on the same inputs, on the workloads the group's other variants run. The group holding
 * `tenancy-als` then measures the context lookup, the strip pass and the SQL alone; the cls-hooked group its
 * context lookup.
 */
async function runWorker(task: WorkerTask): Promise<WorkerResult> {
  const started = Date.now()
  const random = seededRandom(task.seed)
  // its own stream: the bootstrap never changes which inputs a run draws
  const resampling = seededRandom(task.seed + 1)
  const measurements: Measurement[] = []
  let serial = 0

  const inputs = (size: DatasetSize, count: number): OperationInput[] => Array.from({ length: count }, () => drawInput(size, random, serial++))

  const once = (variant: Variant, workload: Workload, input: OperationInput): Promise<unknown> =>
    variant.request(input.organization, (manager) => workload.run(manager, variant.filter, input))

  /**
   * Wall time of each operation in ms with the group it ran in (its input when sequential, its round when
   * concurrent: every variant ran the same groups), and the client process's CPU time per operation in µs.
   */
  interface Samples {
    readonly wall: number[]
    readonly groups: number[]
    readonly cpu: number[]
  }
  const none = (): Samples => ({ wall: [], groups: [], cpu: [] })

  const timed = async (variant: Variant, workload: Workload, input: OperationInput, into: Samples, ownCpu: boolean, group: number): Promise<void> => {
    const cpu0 = ownCpu ? process.cpuUsage() : undefined
    const t0 = process.hrtime.bigint()
    await once(variant, workload, input)
    into.wall.push(Number(process.hrtime.bigint() - t0) / 1e6)
    into.groups.push(group)
    if (cpu0) {
      const cpu = process.cpuUsage(cpu0)
      into.cpu.push(cpu.user + cpu.system)
    }
  }

  async function batch(variant: Variant, workload: Workload, mode: Mode, batchInputs: readonly OperationInput[], into: Samples, group: number): Promise<void> {
    if (mode === 'sequential') {
      for (const input of batchInputs) await timed(variant, workload, input, into, true, group)
      return
    }
    // Concurrent: CPU time can only be told per batch; one sample per batch, divided by its operations.
    const clients = task.plan.clients
    const cpu0 = process.cpuUsage()
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let i = client; i < batchInputs.length; i += clients) await timed(variant, workload, batchInputs[i]!, into, false, group)
      }),
    )
    const cpu = process.cpuUsage(cpu0)
    into.cpu.push((cpu.user + cpu.system) / batchInputs.length)
  }

  for (const { size, schema } of task.datasets) {
    // handwritten-parent-only runs find-relation-50 only: its group measures nothing else
    const list = workloads(size as DatasetSize).filter((workload) =>
      task.variants.some((name) => name !== 'handwritten' && runsWorkload({ filter: filterOf(name) }, workload)),
    )
    const variants: Variant[] = []
    for (const name of task.variants) variants.push(await openVariant(name, task.url, schema))
    let restorePools = (): void => undefined
    try {
      // One pool for every variant but rls (whose role differs), owned by handwritten: see sharePool
      if (task.plan.sharedPool) {
        const owner = variants.find((v) => v.name === 'handwritten')!.dataSource
        restorePools = await sharePool(owner, variants.filter((v) => v.name !== 'handwritten' && v.name !== 'rls').map((v) => v.dataSource), POOL_SIZE)
      }
      // Warm-up: every variant, every workload, both modes, before anything counts.
      // A workload that fails for a variant is reported as failed, not measured, and does not stop the run.
      const failed = new Map<string, string>()
      for (const variant of variants) {
        const warm = inputs(size, task.plan.warmup)
        const per = Math.ceil(warm.length / list.length)
        for (const [index, workload] of list.entries()) {
          if (!runsWorkload(variant, workload)) continue
          const slice = warm.slice(index * per, (index + 1) * per)
          const half = Math.floor(slice.length / 2)
          try {
            await batch(variant, workload, 'sequential', slice.slice(0, half), none(), 0)
            await batch(variant, workload, 'concurrent', slice.slice(half), none(), 0)
          } catch (error) {
            failed.set(`${workload.name}/${variant.name}`, error instanceof Error ? `${error.name}: ${error.message}` : String(error))
            process.stderr.write(`  [${task.group}] ${workload.name} FAILED for ${variant.name}: ${String(error)}\n`)
          }
        }
      }
      // the warm-up ran every write: reads are measured on the loaded rows (see restoreDataset)
      await restoreDataset(task.url, { size, schema })
      for (const mode of task.plan.modes[size.name]) {
        for (const workload of list) {
          const here = variants.filter((v) => runsWorkload(v, workload))
          const samples = new Map<string, Samples>(here.map((v) => [v.name, none()]))
          const runnable = here.filter((v) => !failed.has(`${workload.name}/${v.name}`))
          if (mode === 'sequential') {
            const all = inputs(size, task.plan.sequentialOps)
            const block = task.plan.block
            for (let turn = 0; turn * block < all.length; turn++) {
              const turnInputs = all.slice(turn * block, (turn + 1) * block)
              for (const variant of shuffle([...runnable], random)) {
                for (const input of turnInputs) await timed(variant, workload, input, samples.get(variant.name)!, true, turn)
              }
            }
          } else {
            for (let round = 0; round < task.plan.concurrentRounds; round++) {
              const roundInputs = inputs(size, task.plan.clients * task.plan.perClient)
              for (const variant of shuffle([...runnable], random)) await batch(variant, workload, mode, roundInputs, samples.get(variant.name)!, round)
            }
          }
          const against = (baseline: Samples | undefined, values: Samples) =>
            baseline !== undefined && baseline !== values && values.wall.length > 0 && baseline.wall.length > 0
              ? ratioInterval({ values: values.wall, groups: values.groups }, { values: baseline.wall, groups: baseline.groups }, resampling)
              : undefined
          const hand = samples.get('handwritten')
          const parentOnly = samples.get('handwritten-parent-only')
          for (const variant of here) {
            const values = samples.get(variant.name)!
            const interval = against(hand, values)
            const parentOnlyInterval = variant.filter === 'auto' ? against(parentOnly, values) : undefined
            measurements.push({
              dataset: size.name,
              workload: workload.name,
              mode,
              variant: variant.name,
              median_ms: median(values.wall),
              p90_ms: p90(values.wall),
              p10_ms: quantile(values.wall, 0.1),
              cpu_median_us: median(values.cpu),
              samples: values.wall.length,
              ...(interval !== undefined ? { ratio_ci95: interval } : {}),
              ...(parentOnlyInterval !== undefined ? { parent_only_ratio_ci95: parentOnlyInterval } : {}),
              ...(failed.has(`${workload.name}/${variant.name}`) ? { error: failed.get(`${workload.name}/${variant.name}`) } : {}),
            })
          }
          if (!workload.read) await restoreDataset(task.url, { size, schema })
          process.stderr.write(`  [${task.group}] ${size.name} ${mode} ${workload.name} done (${Math.round((Date.now() - started) / 1000)} s)\n`)
        }
      }
    } finally {
      restorePools()
      for (const variant of variants) await variant.dataSource.destroy()
    }
  }

  const micro: MicroResult[] = []
  let sqlAlone: SqlAloneRow[] = []
  if (task.variants.includes('tenancy-cls-hooked')) micro.push(...(await measureContextLookup('cls-hooked')))
  if (task.variants.includes('tenancy-als')) {
    micro.push(...(await measureContextLookup('async-local-storage')))
    micro.push(...(await measureStripPass(task.url)))
    sqlAlone = await measureSqlAlone(task.url, task.datasets, random, resampling)
    process.stderr.write(`  [${task.group}] the SQL alone done (${Math.round((Date.now() - started) / 1000)} s)\n`)
  }
  return { group: task.group, measurements, micro, sqlAlone, seconds: (Date.now() - started) / 1000 }
}

process.once('message', (task: WorkerTask) => {
  runWorker(task).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
})
