import { expect } from 'chai'
import { EventEmitter, EventEmitterAsyncResource } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { createAsyncLocalStorageStore, createClsHookedStore, tenantScopeForTests, type TenantStore } from './store-under-test'

const stores: Array<[string, () => TenantStore & { bindEmitter?(e: EventEmitter): void }]> = [
  ['async-local-storage', createAsyncLocalStorageStore],
  ['cls-hooked', () => createClsHookedStore({ namespace: 'typeorm-tenancy-emitter-spec' })],
]

for (const [name, make] of stores) {
  describe(`event emitters (${name} store)`, () => {
    const store = make()
    const tenantOf = () => {
      const c = store.get()
      return c?.kind === 'tenant' ? c.tenantId : undefined
    }
    const request = <R>(tenant: number, fn: () => Promise<R>) => store.run(tenantScopeForTests(tenant), fn)

    it('a per-request emitter, emitted later in the request, sees the request\'s tenant', async () => {
      const seen = await Promise.all(
        [1, 2, 3].map((tenant) =>
          request(tenant, async () => {
            const emitter = new EventEmitter()
            const got = new Promise((resolve) => emitter.on('done', () => resolve(tenantOf())))
            await sleep(tenant)
            setImmediate(() => emitter.emit('done'))
            return got
          }),
        ),
      )
      expect(seen).to.deep.equal([1, 2, 3])
    })

    it('a per-request emitter fired from outside the request (EventEmitterAsyncResource, or bindEmitter) sees the request\'s tenant', async () => {
      const emitters: Array<{ tenant: number; emitter: EventEmitter; seen?: unknown }> = []
      await Promise.all(
        [1, 2].map((tenant) =>
          request(tenant, async () => {
            const emitter = store.bindEmitter ? new EventEmitter() : new EventEmitterAsyncResource({ name: 'request' })
            if (store.bindEmitter) store.bindEmitter(emitter)
            const entry: (typeof emitters)[number] = { tenant, emitter }
            emitter.on('data', () => (entry.seen = tenantOf()))
            emitters.push(entry)
            await sleep(1)
          }),
        ),
      )
      await new Promise<void>((resolve) => setImmediate(() => { for (const e of emitters) e.emitter.emit('data'); resolve() }))
      expect(emitters.map((e) => e.seen)).to.deep.equal(emitters.map((e) => e.tenant))
    })

    it('a shared emitter emitted outside any request yields no tenant (fails closed)', async () => {
      const shared = new EventEmitter()
      const seen: unknown[] = []
      shared.on('tick', () => seen.push(store.get()))
      // requests run and leave stale state behind, while the shared emitter fires from timers made outside them
      const ticks = Array.from({ length: 20 }, (_, i) => new Promise<void>((r) => setTimeout(() => { shared.emit('tick'); r() }, i % 4)))
      const requests = Array.from({ length: 50 }, (_, i) => request(i + 1, async () => { for (let k = 0; k < 4; k++) await sleep(k % 2) }))
      await Promise.all([...ticks, ...requests])
      await new Promise<void>((r) => setImmediate(() => { shared.emit('tick'); r() }))
      expect(seen).to.have.length(21)
      expect(seen.filter((c) => c !== undefined)).to.deep.equal([])
    })
  })
}
