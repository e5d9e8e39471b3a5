import path from 'node:path'
import { SMALL } from './dataset'
import { seededRandom } from './stats'
import { openVariant, type Variant, type VariantName } from './variants'
import { drawInput, workloads, type WorkloadName } from './workloads'

/** One variant alone in a process (an app that runs only it), running one workload on the small dataset. */
export interface SoloRunner {
  readonly variant: Variant
  /** Runs `n` operations one after the other, on inputs drawn from one seeded sequence. */
  run(n: number): Promise<void>
}

/** Opens `name` on the dataset in `schema` for `workload` (the processes of `bench:instructions` and `bench:profile`). */
export async function soloRunner(url: string, schema: string, name: string, workloadName: string): Promise<SoloRunner> {
  const workload = workloads(SMALL).find((w) => w.name === (workloadName as WorkloadName))
  if (workload === undefined) throw new Error(`no such workload: ${workloadName}`)
  const variant = await openVariant(name as VariantName, url, schema)
  const random = seededRandom(7)
  let serial = 0
  return {
    variant,
    run: async (n) => {
      for (let i = 0; i < n; i++) {
        const input = drawInput(SMALL, random, serial++)
        await variant.request(input.organization, (manager) => workload.run(manager, variant.filter, input))
      }
    },
  }
}

/** Node's arguments that run the bench script `file` (in this folder) with `args`: TypeORM's line selected, through ts-node. */
export function benchScript(file: string, args: readonly string[]): string[] {
  return ['-r', path.join(__dirname, '..', 'spec', 'support', 'typeorm-line.js'), '-r', require.resolve('ts-node/register/transpile-only'), path.join(__dirname, file), ...args]
}
