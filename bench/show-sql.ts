import 'reflect-metadata'
import { createDataset, databaseUrl, dropDataset, dropRlsRole, SMALL } from './dataset'
import { StatementRecorder } from './statement-recorder'
import { filterOf, openVariant, VARIANT_ORDER, type VariantName } from './variants'
import { runsWorkload, workloads } from './workloads'

/**
 * `npm run bench:sql`: prints the SQL each variant sends for each workload, and checks that every filtered
 * variant returns the same rows for the same input. Run it after changing a workload or a variant.
 */
async function main(): Promise<void> {
  const url = databaseUrl()
  const dataset = await createDataset(url, SMALL, (line) => console.error(line))
  const only = (process.env['BENCH_VARIANTS']?.split(',') as VariantName[] | undefined) ?? VARIANT_ORDER
  let mismatches = 0
  try {
    for (const workload of workloads(SMALL)) {
      console.log(`\n=== ${workload.name}`)
      const outputs = new Map<string, string>()
      for (const name of only) {
        if (name === 'tenancy-cls-hooked' && only.includes('tenancy-als')) continue // one store per process keeps the SQL identical
        if (!runsWorkload({ filter: filterOf(name) }, workload)) continue
        const variant = await openVariant(name, url, dataset.schema)
        const logger = new StatementRecorder()
        variant.dataSource.setOptions({ logger, logging: ['query'] })
        try {
          const input = { organization: 3, ticketId: 215, serial: 1 }
          const result = await variant.request(3, (m) => workload.run(m, variant.filter, input))
          const lines = logger.take().map(({ sql, parameters }) => `${sql}${parameters.length > 0 ? `  -- ${JSON.stringify(parameters)}` : ''}`)
          console.log(`--- ${name}\n${lines.join('\n')}`)
          if (workload.read && name !== 'no-filter') outputs.set(name, JSON.stringify(result))
        } finally {
          await variant.dataSource.destroy()
        }
      }
      const distinct = new Set(outputs.values())
      if (distinct.size > 1) {
        mismatches++
        console.log(`!!! ${workload.name}: the filtered variants returned different rows`)
      }
    }
  } finally {
    await dropDataset(url, dataset)
    await dropRlsRole(url)
  }
  if (mismatches > 0) process.exitCode = 1
}

void main()
