import type { DataSource } from 'typeorm'
import type { TenancyRuntime } from '../install/tenancy-runtime'
import { TenancyFailsafeSubscriber } from '../subscriber/tenancy-failsafe-subscriber'
import { failsafeSettings } from './failsafe-options'
import { assertFailsafeShape, assertLoadDispatch, patchFailsafe } from './failsafe-patch'
import { FailsafeRuntime, failsafeOf, registerFailsafe } from './failsafe-runtime'

/**
 * Sets up the failsafe of a DataSource (called by `installTenancy`): checks and wraps the TypeORM internals
 * it relies on, once per process, and creates the DataSource's failsafe state. Does nothing with
 * `failsafe: false`.
 */
export function installFailsafe(runtime: TenancyRuntime, options: { failsafe?: unknown; onLeak?: unknown; logger?: unknown }): void {
  const settings = failsafeSettings(options)
  if (!settings.enabled) return
  assertFailsafeShape()
  patchFailsafe()
  assertLoadDispatch()
  registerFailsafe(runtime.dataSource, new FailsafeRuntime(runtime, settings))
}

/**
 * Puts the failsafe's subscriber first in `dataSource.subscribers`. Called once the metadata is built:
 * TypeORM replaces `subscribers` with the ones of its options during `initialize()`, so a subscriber added
 * earlier would be lost; after `initialize()` the array is final and is used by every later query.
 */
export function attachFailsafeSubscriber(dataSource: DataSource): void {
  const failsafe = failsafeOf(dataSource)
  if (failsafe === undefined) return
  const subscribers = dataSource.subscribers as unknown[]
  if (subscribers.some((s) => s instanceof TenancyFailsafeSubscriber)) return
  const subscriber = new TenancyFailsafeSubscriber(failsafe)
  subscribers.unshift(subscriber)
  failsafe.subscriber = subscriber
}
