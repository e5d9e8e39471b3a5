import 'reflect-metadata'
import { AsyncLocalStorage } from 'node:async_hooks'
import { Session } from 'node:inspector'
import { writeFileSync } from 'node:fs'
import { soloRunner } from './solo-process'

/**
 * One process of `bench/profile.ts`: one variant alone (an app that runs only it), one workload on the small
 * dataset, `warm` operations, then `count` operations under V8's sampling profiler (started and stopped through
 * `node:inspector`, so neither the warm-up nor ts-node's compiling is in the profile). Writes
 * `{ profile, operations, cpuMicros, wallMicros }` to `out`. Arguments: out, schema, url, variant, workload,
 * warm, count, the sampling interval in µs. One `AsyncLocalStorage.run()` comes first in every process (an app
 * that uses AsyncLocalStorage: on Node 20 that enables a promise hook for the whole process), so the
 * hand-written process pays it too.
 */
async function main(): Promise<void> {
  const [out, schema, url, name, workloadName, warm, count, interval] = process.argv.slice(2)
  new AsyncLocalStorage<number>().run(1, () => undefined)
  if (out === undefined || schema === undefined || url === undefined || name === undefined || workloadName === undefined) throw new Error(`bad arguments: ${process.argv.slice(2).join(' ')}`)
  const { variant, run } = await soloRunner(url, schema, name, workloadName)
  await run(Number(warm))
  const session = new Session()
  session.connect()
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))))
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: Number(interval) })
  await post('Profiler.start')
  const cpu = process.cpuUsage()
  const started = process.hrtime.bigint()
  await run(Number(count))
  const wall = Number(process.hrtime.bigint() - started) / 1000
  const used = process.cpuUsage(cpu)
  const { profile } = (await post('Profiler.stop')) as { profile: unknown }
  session.disconnect()
  const operations = Number(count)
  writeFileSync(out, JSON.stringify({ profile, operations, cpuMicros: (used.user + used.system) / operations, wallMicros: wall / operations }))
  await variant.dataSource.destroy()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
