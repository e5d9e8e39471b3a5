import { expect } from 'chai'
import { Broadcaster } from 'typeorm/subscriber/Broadcaster'
import { TypeormIncompatibleError } from '../../lib'
import { assertLoadDispatch, patchFailsafe } from '../../lib/failsafe/failsafe-patch'

type Method = (this: unknown, ...args: unknown[]) => unknown

/**
 * The failsafe filters a query's result inside TypeORM's synchronous load broadcast: `Broadcaster.broadcast('Load')`
 * must still call the `broadcastLoadEvent` it wraps. installTenancy proves that with a probe that runs no listener;
 * a TypeORM that dispatched elsewhere would leave join-loaded rows unchecked, so it fails at start-up instead.
 */
describe('Failsafe: the start-up probe of the load broadcast', () => {
  before(() => {
    // the wrappers are installed by the first installTenancy of the process; make sure they are here
    patchFailsafe()
  })

  it('passes on this TypeORM', () => {
    expect(() => assertLoadDispatch()).not.to.throw()
  })

  it("fails with TypeormIncompatibleError when broadcast('Load') no longer calls broadcastLoadEvent", async () => {
    const proto = Broadcaster.prototype as unknown as Record<string, Method>
    const broadcast = proto['broadcast']!
    // a TypeORM that inlined the load event: it never reaches the wrapped method
    proto['broadcast'] = async function () {}
    try {
      expect(() => assertLoadDispatch()).to.throw(TypeormIncompatibleError, /broadcastLoadEvent/)
    } finally {
      proto['broadcast'] = broadcast
    }
    expect(() => assertLoadDispatch()).not.to.throw()
  })
})
