import { expect } from 'chai'
import { setTimeout as sleep } from 'node:timers/promises'
import { currentTenant, InvalidTenantIdError, runWithTenant, runWithoutTenant } from '../../lib'
import { resolveStore } from '../../lib/context/store-registry'
import { storeName } from '../support/test-store'

/** The context as the suite's store (the one DataSources read) sees it. */
const seen = () => {
  const context = resolveStore(storeName).get()
  return context === undefined ? undefined : context.kind === 'tenant' ? context.tenantId : 'bypass'
}

describe(`tenant context propagation (${storeName})`, () => {
  it('follows await, setTimeout, setImmediate, process.nextTick and Promise.all', async () => {
    const observed = await runWithTenant(7, async () => {
      const out: unknown[] = [seen()]
      await sleep(1)
      out.push(seen())
      out.push(await new Promise((r) => setTimeout(() => r(seen()), 1)))
      out.push(await new Promise((r) => setImmediate(() => r(seen()))))
      out.push(await new Promise((r) => process.nextTick(() => r(seen()))))
      out.push(...(await Promise.all([1, 2, 3].map(async () => { await sleep(1); return seen() }))))
      return out
    })
    expect(observed).to.deep.equal([7, 7, 7, 7, 7, 7, 7, 7])
    expect(seen()).to.equal(undefined)
  })

  it('nested runWithTenant: the inner one wins, the outer is restored after (also across awaits)', async () => {
    const log = await runWithTenant(1, async () => {
      const out: unknown[] = [seen()]
      await runWithTenant(2, async () => {
        out.push(seen())
        await sleep(1)
        out.push(seen())
      })
      out.push(seen())
      await sleep(1)
      out.push(seen())
      return out
    })
    expect(log).to.deep.equal([1, 2, 2, 1, 1])
    expect(currentTenant()).to.equal(undefined)
  })

  it('runWithoutTenant is an explicit bypass scope, inside or outside a tenant', async () => {
    expect(await runWithoutTenant(async () => { await sleep(1); return seen() })).to.equal('bypass')
    expect(await runWithTenant(3, () => runWithoutTenant(async () => seen()))).to.equal('bypass')
    expect(runWithoutTenant(() => currentTenant())).to.equal(undefined)
  })

  for (const bad of [undefined, null, '', '   ', NaN, Infinity, {}, [], true]) {
    it(`runWithTenant(${JSON.stringify(bad) ?? String(bad)}) throws InvalidTenantIdError at once, without running fn`, () => {
      let ran = false
      expect(() => runWithTenant(bad as never, () => { ran = true })).to.throw(InvalidTenantIdError)
      expect(ran).to.equal(false)
    })
  }
})
