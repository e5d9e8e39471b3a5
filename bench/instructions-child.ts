import 'reflect-metadata'
import { AsyncLocalStorage } from 'node:async_hooks'
import { existsSync, writeFileSync } from 'node:fs'
import { soloRunner } from './solo-process'

/**
 * One process of `bench/instructions.ts`, run under callgrind with instrumentation off: one variant alone (an
 * app that runs only it), one workload, `WARM` operations, then the measured `N` between two gate files that
 * the parent answers by switching callgrind's instrumentation on and off. Arguments: the gate prefix, the
 * dataset's schema, the server URL, the variant, the workload, WARM, N, and `als` to run one
 * `AsyncLocalStorage.run()` first (an app that already uses AsyncLocalStorage: on Node 20 that enables a
 * promise hook for the whole process).
 */
async function main(): Promise<void> {
  const [gate, schema, url, name, workloadName, warm, count, als] = process.argv.slice(2)
  if (als === 'als') new AsyncLocalStorage<number>().run(1, () => undefined)
  if (gate === undefined || schema === undefined || url === undefined || name === undefined || workloadName === undefined) throw new Error(`bad arguments: ${process.argv.slice(2).join(' ')}`)
  const { variant, run } = await soloRunner(url, schema, name, workloadName)
  const waitFor = async (file: string): Promise<void> => {
    while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await run(Number(warm))
  writeFileSync(`${gate}.ready`, '')
  await waitFor(`${gate}.on`)
  await run(Number(count))
  writeFileSync(`${gate}.done`, '')
  await waitFor(`${gate}.off`)
  await variant.dataSource.destroy()
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
