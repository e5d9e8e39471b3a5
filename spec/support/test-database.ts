import { randomBytes } from 'node:crypto'
import { DataSource, type DataSourceOptions, type EntitySchema } from 'typeorm'
import { installTenancy, runWithoutTenant, type TenancyOptions } from '../../lib'
import { CapturingLogger } from './capturing-logger'
import { tenancyOptions } from './test-store'

/** A database dialect the isolation suites run on. */
export interface TestDialect {
  /** 'postgres', 'mariadb', 'sqlite'. */
  readonly name: string
  /** How the suite reached it, for the banner: 'existing server postgres://...', 'container', 'embedded'. */
  readonly label: string
  /** Options for a DataSource on a fresh, empty namespace (schema or database); `drop` removes it. */
  open(): Promise<{ options: Partial<DataSourceOptions>; drop(): Promise<void> }>
}

const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test'

function postgresDialect(url: string): TestDialect {
  return {
    name: 'postgres',
    label: `existing server ${url.replace(/:[^:@/]*@/, ':***@')}`,
    async open() {
      const schema = `tenancy_${randomBytes(5).toString('hex')}`
      const admin = new DataSource({ type: 'postgres', url })
      await admin.initialize()
      await admin.query(`CREATE SCHEMA "${schema}"`)
      return {
        options: { type: 'postgres', url, schema } as Partial<DataSourceOptions>,
        async drop() {
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
          await admin.destroy()
        },
      }
    },
  }
}

/** The dialects selected for this run. */
export function testDialects(): TestDialect[] {
  return [postgresDialect(process.env['TENANCY_TEST_POSTGRES_URL'] ?? DEFAULT_POSTGRES_URL)]
}

export interface OpenOptions {
  /** Entities of the test model. */
  entities: Array<Function | EntitySchema>
  /** Install tenancy (default) with these options merged over the suite's store choice, or `false`. */
  tenancy?: TenancyOptions | false
  /** Extra DataSource options (cache, relationLoadStrategy, ...). */
  extra?: Partial<DataSourceOptions>
}

/** A DataSource on its own fresh schema, with a logger that records the SQL sent. */
export interface TestDataSource {
  readonly dataSource: DataSource
  readonly logger: CapturingLogger
  readonly dialect: TestDialect
  /** Destroys the DataSource and drops everything it created. */
  close(): Promise<void>
}

export async function openTestDataSource(dialect: TestDialect, options: OpenOptions): Promise<TestDataSource> {
  const logger = new CapturingLogger()
  const namespace = await dialect.open()
  const dataSource = new DataSource({
    ...namespace.options,
    ...options.extra,
    entities: options.entities,
    synchronize: true,
    logging: true,
    logger,
  } as DataSourceOptions)
  if (options.tenancy !== false) installTenancy(dataSource, tenancyOptions(options.tenancy))
  await dataSource.initialize()
  logger.clear()
  return {
    dataSource,
    logger,
    dialect,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy()
      await namespace.drop()
    },
  }
}

/**
 * Declares a mocha suite once per selected dialect, with a fresh DataSource for the whole suite.
 *
 * ```ts
 * describeEachDialect('find', { entities: [Ticket] }, (db) => {
 *   it('...', async () => { db().dataSource ... })
 * })
 * ```
 */
export function describeEachDialect(title: string, options: OpenOptions, body: (db: () => TestDataSource) => void): void {
  for (const dialect of testDialects()) {
    describe(`${title} [${dialect.name}]`, function () {
      let db: TestDataSource | undefined
      before(async function () {
        this.timeout(60_000)
        db = await openTestDataSource(dialect, options)
      })
      after(async function () {
        this.timeout(60_000)
        await db?.close()
      })
      body(() => {
        if (!db) throw new Error('the test DataSource is not open yet')
        return db
      })
    })
  }
}

/** Inserts rows as an admin (bypassing tenancy) and returns them. */
export function seed<T>(fn: () => Promise<T>): Promise<T> {
  return runWithoutTenant(fn)
}
