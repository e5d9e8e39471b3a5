import { randomBytes } from 'node:crypto'
import { DataSource, type DataSourceOptions, type EntitySchema } from 'typeorm'
import { allowUnprotectedDataSource, installTenancy, runWithoutTenant, type TenancyOptions } from '../../lib'
import { CapturingLogger } from './capturing-logger'
import { DialectCapturingLogger } from './dialects/dialect-capturing-logger'
import { embeddedPostgresExec } from './dialects/embedded-postgres'
import { currentPostgresSource, postgresSource } from './dialects/postgres-source'
import { tenancyOptions } from './test-store'

/** The dialects the suite can run on; TENANCY_TEST_DIALECTS=postgres,mariadb,sqlite picks them. */
export type DialectName = 'postgres' | 'mariadb' | 'sqlite'

/**
 * A database dialect the isolation suites run on, with the capabilities a spec can check to skip a
 * dialect-specific case (`if (!db().dialect.supportsReturning) this.skip()`).
 */
export interface TestDialect {
  readonly name: DialectName
  /** How the suite reached it, for the banner: 'existing server postgres://...', 'container ...', 'embedded PGlite'. */
  readonly label: string
  /** 'server' (a running server), 'container' (Docker, this run's own) or 'embedded' (in-process). */
  readonly engine: 'server' | 'container' | 'embedded'
  /** INSERT, UPDATE and DELETE ... RETURNING all work through TypeORM (PostgreSQL only). */
  readonly supportsReturning: boolean
  /** The upsert TypeORM emits: `ON CONFLICT ... DO UPDATE` or `ON DUPLICATE KEY UPDATE`. */
  readonly upsert: 'on-conflict' | 'on-duplicate-key'
  /** Two transactions can be open at once (false on PGlite and sql.js: one session for everything). */
  readonly concurrentTransactions: boolean
  /** Each DataSource gets its own schema in one database (PostgreSQL); otherwise its own database. */
  readonly schemas: boolean
  /** `QueryBuilder.stream()` works (not on SQLite: TypeORM has no stream there). */
  readonly streams: boolean
  /**
   * Numeric parameters reach the SQL as literals (`= 1`, not `= $1`): TypeORM's SQLite drivers (0.3 and 1.x)
   * inline numbers and booleans. A spec asserting `= $n` for a numeric tenant must accept a literal here.
   */
  readonly inlinesNumbers: boolean
  /** Options for a DataSource on a fresh, empty namespace (schema or database); `drop` removes it. */
  open(): Promise<{ options: Partial<DataSourceOptions>; drop(): Promise<void> }>
}

const newName = (): string => `tenancy_${randomBytes(5).toString('hex')}`

function postgresDialect(): TestDialect {
  return {
    name: 'postgres',
    get label() {
      return currentPostgresSource()?.label ?? 'not started yet'
    },
    get engine() {
      return currentPostgresSource()?.engine ?? 'server'
    },
    supportsReturning: true,
    upsert: 'on-conflict',
    get concurrentTransactions() {
      return currentPostgresSource()?.engine !== 'embedded'
    },
    schemas: true,
    streams: true,
    inlinesNumbers: false,
    async open() {
      const source = await postgresSource()
      const schema = newName()
      if (source.engine === 'embedded') {
        await embeddedPostgresExec(`CREATE SCHEMA "${schema}"`)
        return {
          options: { type: 'postgres', driver: source.driver, schema } as Partial<DataSourceOptions>,
          drop: () => embeddedPostgresExec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
        }
      }
      const url = source.url!
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

const DEFAULT_MARIADB_URL = 'mysql://root@127.0.0.1:3306/test'

function mariadbDialect(): TestDialect {
  const url = new URL(process.env['TENANCY_TEST_MARIADB_URL'] ?? DEFAULT_MARIADB_URL)
  const server = {
    host: url.hostname,
    port: Number(url.port || 3306),
    username: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
  }
  return {
    name: 'mariadb',
    label: `existing server mysql://${server.username}@${server.host}:${server.port} (a fresh database per spec file)`,
    engine: 'server',
    supportsReturning: false,
    upsert: 'on-duplicate-key',
    concurrentTransactions: true,
    schemas: false,
    streams: true,
    inlinesNumbers: false,
    async open() {
      const database = newName()
      const admin = new DataSource({ type: 'mariadb', ...server })
      await admin.initialize()
      await admin.query(`CREATE DATABASE \`${database}\``)
      return {
        options: { type: 'mariadb', ...server, database } as Partial<DataSourceOptions>,
        async drop() {
          await admin.query(`DROP DATABASE IF EXISTS \`${database}\``)
          await admin.destroy()
        },
      }
    },
  }
}

function sqliteDialect(): TestDialect {
  return {
    name: 'sqlite',
    label: 'embedded SQLite (sql.js, in memory, a fresh database per spec file)',
    engine: 'embedded',
    supportsReturning: false,
    upsert: 'on-conflict',
    concurrentTransactions: false,
    schemas: false,
    streams: false,
    inlinesNumbers: true,
    async open() {
      return {
        options: { type: 'sqljs', autoSave: false } as Partial<DataSourceOptions>,
        async drop() {},
      }
    },
  }
}

const FACTORIES: Record<DialectName, () => TestDialect> = { postgres: postgresDialect, mariadb: mariadbDialect, sqlite: sqliteDialect }
let selected: TestDialect[] | undefined

/** The dialects selected for this run (TENANCY_TEST_DIALECTS, default `postgres`), the same objects every call. */
export function testDialects(): TestDialect[] {
  if (!selected) {
    const names = (process.env['TENANCY_TEST_DIALECTS'] ?? 'postgres').split(',').map((n) => n.trim()).filter(Boolean)
    for (const name of names) {
      if (!(name in FACTORIES)) throw new Error(`TENANCY_TEST_DIALECTS: unknown dialect "${name}"; expected postgres, mariadb or sqlite`)
    }
    selected = [...new Set(names)].map((name) => FACTORIES[name as DialectName]())
  }
  return selected
}

export interface OpenOptions {
  /** Entities of the test model. */
  entities: Array<Function | EntitySchema>
  /**
   * Install tenancy (default) with these options merged over the suite's store choice, or `false`: no
   * installTenancy, and the DataSource is passed to allowUnprotectedDataSource (scoped entities are read
   * without any condition until a spec installs tenancy on it).
   */
  tenancy?: TenancyOptions | false
  /** Extra DataSource options (cache, relationLoadStrategy, ...). */
  extra?: Partial<DataSourceOptions>
}

/** A DataSource on its own fresh schema, with a logger that records the SQL sent. */
export interface TestDataSource {
  readonly dataSource: DataSource
  /**
   * The SQL sent. On MariaDB and SQLite, `logger.queries[i].sql` is rewritten into PostgreSQL spelling
   * ("quotes", $n placeholders, tables qualified by the database or `main`) so one pattern fits all
   * dialects; `(logger as DialectCapturingLogger).raw` has the statements as sent.
   */
  readonly logger: CapturingLogger
  readonly dialect: TestDialect
  /** Destroys the DataSource and drops everything it created. */
  close(): Promise<void>
}

/**
 * The capturing logger for a DataSource with `options` on `dialect`: a plain {@link CapturingLogger} on
 * PostgreSQL, a {@link DialectCapturingLogger} (PostgreSQL spelling, `raw` statements) elsewhere. Use it for a
 * DataSource a spec opens itself, so its SQL assertions fit every dialect.
 */
export function capturingLoggerFor(dialect: TestDialect, options: Partial<DataSourceOptions>): CapturingLogger {
  if (dialect.name === 'postgres') return new CapturingLogger()
  const database = dialect.name === 'sqlite' ? 'main' : String((options as { database?: unknown }).database)
  return new DialectCapturingLogger(database, dialect.inlinesNumbers)
}

export async function openTestDataSource(dialect: TestDialect, options: OpenOptions): Promise<TestDataSource> {
  const namespace = await dialect.open()
  const logger = capturingLoggerFor(dialect, namespace.options)
  const dataSource = new DataSource({
    ...namespace.options,
    ...options.extra,
    entities: options.entities,
    synchronize: true,
    logging: true,
    logger,
  } as DataSourceOptions)
  // `tenancy: false`: a deliberately unprotected DataSource (a spec may install tenancy on it later)
  if (options.tenancy !== false) installTenancy(dataSource, tenancyOptions(options.tenancy))
  else allowUnprotectedDataSource(dataSource)
  try {
    await dataSource.initialize()
  } catch (error) {
    await namespace.drop().catch(() => undefined)
    throw error
  }
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
 * The error `initialize()` (with installTenancy) throws for a DataSource with `entities` on `dialect`, or
 * `undefined` when it opens (it is closed again). For specs of configurations the plugin must refuse.
 */
export async function initializeError(dialect: TestDialect, entities: Function[]): Promise<unknown> {
  let db: TestDataSource | undefined
  try {
    db = await openTestDataSource(dialect, { entities })
  } catch (error) {
    return error
  }
  await db.close()
  return undefined
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
        this.timeout(120_000)
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

/**
 * `table` qualified and quoted the way `dataSource`'s driver spells it, for a spec's raw SQL:
 * `"schema"."table"` on PostgreSQL, `` `database`.`table` `` on MariaDB, `"table"` on SQLite.
 */
export function tablePath(dataSource: DataSource, table: string): string {
  const { schema, database } = dataSource.options as { schema?: string; database?: unknown }
  const q = (name: string) => dataSource.driver.escape(name)
  if (dataSource.options.type === 'postgres' && schema) return `${q(schema)}.${q(table)}`
  if ((dataSource.options.type === 'mariadb' || dataSource.options.type === 'mysql') && typeof database === 'string') return `${q(database)}.${q(table)}`
  return q(table)
}

/** The driver's placeholder for the `index`th (0-based) positional parameter of a raw query: `$1` or `?`. */
export function rawParameter(dataSource: DataSource, index: number): string {
  return dataSource.driver.createParameter(`p${index}`, index)
}
