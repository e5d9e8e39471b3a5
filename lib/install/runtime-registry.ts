import type { DataSource } from 'typeorm'
import type { TenancyRuntime } from './tenancy-runtime'

const runtimes = new WeakMap<object, TenancyRuntime>()

export function registerRuntime(dataSource: DataSource, runtime: TenancyRuntime): void {
  runtimes.set(dataSource, runtime)
}

/** The runtime of a DataSource, or `undefined` when tenancy is not installed on it. */
export function runtimeOf(dataSource: object | undefined): TenancyRuntime | undefined {
  return dataSource === undefined ? undefined : runtimes.get(dataSource)
}
