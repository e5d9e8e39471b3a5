import { DataSource } from 'typeorm'
import { createAsyncLocalStorageStore, createClsHookedStore, installTenancy, stripCrossTenantRows, type TenantContext, type TenantStore } from '../lib'
import { benchEntities, BenchTicket, ticketsWithComments } from './model'
import type { MicroResult } from './protocol'
import { median } from './stats'

const READS = 2_000_000
const REPEATS = 7

/**
 * The context lookup alone: ns per `store.get()`, synchronously inside `run`, and after an `await` inside
 * `run` (where the query filter usually reads it: the request's code awaited something before the query).
 */
export async function measureContextLookup(kind: 'async-local-storage' | 'cls-hooked'): Promise<MicroResult[]> {
  const store: TenantStore = kind === 'async-local-storage' ? createAsyncLocalStorageStore() : createClsHookedStore()
  const context: TenantContext = Object.freeze({ kind: 'tenant' as const, tenantId: 1 })
  const loop = (): number => {
    const results: number[] = []
    let hits = 0
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < READS; i++) if (store.get() === context) hits++
      results.push(Number(process.hrtime.bigint() - t0) / READS)
    }
    if (hits !== READS * REPEATS) throw new Error(`the ${kind} store lost the context during the lookup benchmark`)
    return median(results)
  }
  const sync = store.run(context, loop)
  const afterAwait = await store.run(context, async () => {
    await null
    return loop()
  })
  return [
    { name: `context lookup (${kind}), synchronously inside run`, value: sync, unit: 'ns/read' },
    { name: `context lookup (${kind}), after an await`, value: afterAwait, unit: 'ns/read' },
  ]
}

/**
 * The failsafe's strip pass alone (`stripCrossTenantRows`), over a result of 50 tickets with 20 comments each,
 * all of the tenant (the common case: nothing to remove). "Off" is no pass at all, so the figure is the whole
 * cost the failsafe adds to such a result on the client. Each pass gets a freshly built graph (a pass guards
 * the collections it has walked).
 */
export async function measureStripPass(url: string): Promise<MicroResult[]> {
  const dataSource = new DataSource({ type: 'postgres', url, entities: benchEntities })
  installTenancy(dataSource)
  await dataSource.initialize()
  try {
    const PARENTS = 50
    const CHILDREN = 20
    const GRAPHS = 100
    const graph = (): BenchTicket[] => ticketsWithComments(PARENTS, CHILDREN)
    const on: number[] = []
    const off: number[] = []
    for (let repeat = 0; repeat < 12; repeat++) {
      const graphs = Array.from({ length: GRAPHS }, graph)
      let t0 = process.hrtime.bigint()
      let kept = 0
      for (const g of graphs) kept += stripCrossTenantRows(dataSource, BenchTicket, g, 1).entities.length
      if (repeat >= 2) on.push(Number(process.hrtime.bigint() - t0) / 1000 / GRAPHS)
      if (kept !== GRAPHS * PARENTS) throw new Error('the strip pass removed rows of the tenant')
      // Off: the same graphs walked by a plain loop that reads each tenant column (what any consumer of the result does at least).
      t0 = process.hrtime.bigint()
      let sum = 0
      for (const g of graphs) for (const t of g) for (const c of t.comments) sum += c.organizationId
      if (repeat >= 2) off.push(Number(process.hrtime.bigint() - t0) / 1000 / GRAPHS)
      if (sum !== GRAPHS * PARENTS * CHILDREN) throw new Error('unexpected graph')
    }
    const perResult = median(on)
    return [
      { name: `failsafe strip pass, on (${PARENTS} parents x ${CHILDREN} children)`, value: perResult, unit: 'µs per result' },
      { name: 'failsafe strip pass, on, per entity', value: (perResult * 1000) / (PARENTS * (CHILDREN + 1)), unit: 'ns per entity' },
      { name: `failsafe strip pass, off (a plain walk of the same result)`, value: median(off), unit: 'µs per result' },
    ]
  } finally {
    await dataSource.destroy()
  }
}
