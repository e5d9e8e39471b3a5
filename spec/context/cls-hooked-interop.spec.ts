import { expect } from 'chai'
import { setTimeout as sleep } from 'node:timers/promises'
import { createClsHookedStore } from '../../lib'
import { tenantScope } from '../../lib/context/tenant-context'

describe('cls-hooked interop: sharing an app\'s namespace', () => {
  it('createClsHookedStore({ namespace: \'app\' }) shares the app\'s namespace; both keep their own keys', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cls = require('cls-hooked') as typeof import('cls-hooked')
    const app = cls.getNamespace('app') ?? cls.createNamespace('app')
    const store = createClsHookedStore({ namespace: 'app' })
    expect(store.namespace).to.equal(app)

    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        new Promise((resolve, reject) => {
          app.run(() => {
            app.set('requestId', `req-${n}`)
            store
              .run(tenantScope(n), async () => {
                await sleep(n)
                app.set('user', `user-${n}`)
                await sleep(1)
                const context = store.get()
                return { tenant: context?.kind === 'tenant' ? context.tenantId : undefined, requestId: app.get('requestId'), user: app.get('user') }
              })
              .then(resolve, reject)
          })
        }),
      ),
    )
    expect(results).to.deep.equal([1, 2, 3].map((n) => ({ tenant: n, requestId: `req-${n}`, user: `user-${n}` })))
    expect(store.get()).to.equal(undefined)
  })
})
