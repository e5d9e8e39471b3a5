import { DataSource, type DataSourceOptions } from 'typeorm'
import { PGliteDriver } from 'typeorm-pglite'
import { installTenancy } from 'typeorm-tenancy'
import type { SampleConfig } from './config'
import { entities } from './entities'

/**
 * The sample's DataSource with tenancy installed: on the embedded PGlite (PostgreSQL compiled to
 * WebAssembly, in memory) by default, or on the server of `DATABASE_URL`, in its own schema.
 */
export async function openDataSource(config: SampleConfig): Promise<DataSource> {
  const common = { entities, synchronize: true, logging: false } as const
  let options: DataSourceOptions
  if (config.databaseUrl) {
    await createSchema(config.databaseUrl, config.databaseSchema)
    options = { type: 'postgres', url: config.databaseUrl, schema: config.databaseSchema, ...common }
  } else {
    options = { type: 'postgres', driver: new PGliteDriver().driver, ...common }
  }
  const dataSource = new DataSource(options)
  installTenancy(dataSource, { store: config.store })
  await dataSource.initialize()
  return dataSource
}

/** `CREATE SCHEMA IF NOT EXISTS`: the sample never drops anything on a real server. */
async function createSchema(url: string, schema: string): Promise<void> {
  const admin = new DataSource({ type: 'postgres', url })
  await admin.initialize()
  try {
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
  } finally {
    await admin.destroy()
  }
}

/** Where the data lives, for the start-up banner (the password is masked). */
export function describeDatabase(config: SampleConfig): string {
  if (!config.databaseUrl) return 'embedded PGlite (in memory)'
  return `${config.databaseUrl.replace(/:[^:@/]*@/, ':***@')} schema "${config.databaseSchema}"`
}
