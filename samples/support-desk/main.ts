import 'reflect-metadata'
import type { AddressInfo } from 'node:net'
import { USAGE, UsageError, readConfig } from './config'
import { describeDatabase, openDataSource } from './data-source'
import { runDemo } from './demo'
import { createApp } from './http/app'
import { seedSupportDesk } from './seed'
import { typeormVersion } from './typeorm-version'

/**
 * `npm run sample`: the support-desk API on http://127.0.0.1:3000.
 * `npm run sample -- --demo`: the same app on a free port, walked through by a scripted client; exits 0
 * when every isolation expectation held, 1 otherwise.
 */
async function main(): Promise<number> {
  const config = readConfig(process.argv.slice(2), process.env)
  const started = Date.now()
  const dataSource = await openDataSource(config)
  const agents = await seedSupportDesk(dataSource)
  const server = createApp(dataSource)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, resolve)
  })
  const { port } = server.address() as AddressInfo
  const baseUrl = `http://${config.host}:${port}`
  console.log(`support-desk sample on ${baseUrl} (${describeDatabase(config)}, typeorm ${typeormVersion()}, store ${config.store}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`)
  for (const agent of agents) console.log(`  ${agent.organization.padEnd(6)} ${agent.email.padEnd(18)} Authorization: Bearer ${agent.token}`)

  if (!config.demo) {
    const first = agents[0]
    console.log(`\ntry: curl -H 'Authorization: Bearer ${first?.token ?? '<token>'}' ${baseUrl}/tickets    (Ctrl-C to stop)`)
    const stop = (): void => {
      server.close()
      void dataSource.destroy().finally(() => process.exit(0))
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    return await new Promise<number>(() => undefined)
  }

  try {
    const failed = await runDemo(baseUrl, agents)
    return failed === 0 ? 0 : 1
  } finally {
    server.close()
    await dataSource.destroy()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      if (error.message) console.error(error.message)
      console.error(USAGE)
      process.exit(2)
    }
    console.error(error)
    process.exit(1)
  },
)
