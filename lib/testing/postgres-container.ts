import { freeLoopbackPort } from './free-port'
import { TestingKitError } from './testing-kit-error'

/** Options of {@link startPostgresContainer}. */
export interface PostgresContainerOptions {
  /** The official image used with normal (bridge) networking. Default `postgres:15-alpine`. */
  readonly image?: string
  /**
   * A locally built image to run with host networking instead, for machines without an image registry or a
   * bridge: never pulled, bound to 127.0.0.1 on a free port (not 5432 or 3306). Default: the
   * `TENANCY_TEST_POSTGRES_LOCAL_IMAGE` environment variable.
   */
  readonly localImage?: string
  readonly username?: string
  readonly password?: string
  readonly database?: string
  /** How long to wait for the server, in ms. Default 120 000 (a first pull of the official image included). */
  readonly startupTimeout?: number
}

/** Connection options of a started container, ready to spread into `new DataSource({ ...options, entities })`. */
export interface PostgresConnectionSettings {
  readonly type: 'postgres'
  readonly host: string
  readonly port: number
  readonly username: string
  readonly password: string
  readonly database: string
}

/** A running PostgreSQL container. */
export interface StartedPostgres {
  readonly options: PostgresConnectionSettings
  /** The same as a `postgres://` URL. */
  readonly url: string
  /** `'official-image'` (bridge network) or `'local-image'` (host network). */
  readonly mode: 'official-image' | 'local-image'
  readonly image: string
  /** Stops and removes the container. */
  stop(): Promise<void>
}

type Testcontainers = typeof import('testcontainers')

function loadTestcontainers(): Testcontainers {
  try {
    // Loaded lazily: testcontainers is an optional peer dependency of typeorm-tenancy.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('testcontainers') as Testcontainers
  } catch (error) {
    throw TestingKitError.testcontainersMissing(error)
  }
}

/**
 * Starts a throwaway PostgreSQL in Docker through `testcontainers` (an optional peer dependency, major 11) and
 * returns DataSource options for it. Call `stop()` when done (e.g. in mocha's `after`).
 *
 * On a laptop it runs the official image with normal networking. With `localImage` (or the
 * `TENANCY_TEST_POSTGRES_LOCAL_IMAGE` variable) it runs that local image with host networking on a free port
 * of 127.0.0.1, never pulling, with `TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1` and
 * `TESTCONTAINERS_RYUK_DISABLED=true` unless you set them (the reaper image cannot be pulled either).
 *
 * ```ts
 * import { startPostgresContainer } from 'typeorm-tenancy/testing'
 *
 * const pg = await startPostgresContainer()
 * const dataSource = new DataSource({ ...pg.options, entities: [Ticket], synchronize: true })
 * // ... tests ...
 * await dataSource.destroy()
 * await pg.stop()
 * ```
 */
export async function startPostgresContainer(options: PostgresContainerOptions = {}): Promise<StartedPostgres> {
  const username = options.username ?? 'postgres'
  const password = options.password ?? 'postgres'
  const database = options.database ?? 'test'
  const localImage = options.localImage ?? (process.env['TENANCY_TEST_POSTGRES_LOCAL_IMAGE'] || undefined)
  const timeout = options.startupTimeout ?? 120_000
  if (localImage) {
    process.env['TESTCONTAINERS_HOST_OVERRIDE'] ??= '127.0.0.1'
    process.env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true'
  }
  const tc = loadTestcontainers()
  const ready = tc.Wait.forLogMessage(/database system is ready to accept connections/, 2)
  const environment = { POSTGRES_USER: username, POSTGRES_PASSWORD: password, POSTGRES_DB: database }
  const labels = { 'org.typeorm-tenancy.test': 'true' }

  let host: string
  let port: number
  let started: { stop(): Promise<unknown> }
  if (localImage) {
    const client = await tc.getContainerRuntimeClient()
    if (!(await client.image.exists(tc.ImageName.fromString(localImage)))) throw TestingKitError.localImageMissing(localImage)
    port = await freeLoopbackPort()
    started = await new tc.GenericContainer(localImage)
      .withNetworkMode('host')
      .withPullPolicy({ shouldPull: () => false })
      .withEnvironment(environment)
      .withCommand(['postgres', '-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', 'fsync=off'])
      .withLabels(labels)
      .withWaitStrategy(ready)
      .withStartupTimeout(timeout)
      .start()
    host = '127.0.0.1'
  } else {
    const image = options.image ?? 'postgres:15-alpine'
    const container = await new tc.GenericContainer(image)
      .withExposedPorts(5432)
      .withEnvironment(environment)
      .withCommand(['postgres', '-c', 'fsync=off'])
      .withLabels(labels)
      .withWaitStrategy(ready)
      .withStartupTimeout(timeout)
      .start()
      .catch((error: unknown) => {
        throw TestingKitError.officialImageFailed(image, error)
      })
    host = container.getHost()
    port = container.getMappedPort(5432)
    started = container
  }
  const settings: PostgresConnectionSettings = { type: 'postgres', host, port, username, password, database }
  return {
    options: settings,
    url: `postgres://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}`,
    mode: localImage ? 'local-image' : 'official-image',
    image: localImage ?? options.image ?? 'postgres:15-alpine',
    async stop() {
      await started.stop()
    },
  }
}
