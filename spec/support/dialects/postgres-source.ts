import { startPostgresContainer, type StartedPostgres } from '../../../lib/testing'
import { adoptProjectImage, dockerAnswers } from './docker-engine'
import { closeEmbeddedPostgres, embeddedPostgresDriver } from './embedded-postgres'

/** Where the suite's PostgreSQL comes from. */
export type PostgresEngine = 'server' | 'container' | 'embedded'

export interface PostgresSource {
  readonly engine: PostgresEngine
  /** For the banner: 'existing server postgres://...', 'container typeorm-tenancy/postgres:15 ...', 'embedded PGlite'. */
  readonly label: string
  /** Set for 'server' and 'container'. */
  readonly url?: string
  /** Set for 'embedded'. */
  readonly driver?: unknown
}

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test'

let source: Promise<PostgresSource> | undefined
let container: StartedPostgres | undefined
let current: PostgresSource | undefined

const hidePassword = (url: string): string => url.replace(/:[^:@/]*@/, ':***@')

/**
 * Picks the suite's PostgreSQL once per run:
 * 1. TENANCY_TEST_POSTGRES_URL set: that existing server;
 * 2. else, when a Docker engine answers: a container through testcontainers (the local image named by
 *    TENANCY_TEST_POSTGRES_LOCAL_IMAGE, or the project's own image when the engine has it, with host
 *    networking; else the official image), removed at the end; if it cannot start, a warning and 3.;
 * 3. else: embedded PGlite.
 * TENANCY_TEST_POSTGRES=server|container|embedded forces one (server means 127.0.0.1:5432 by default).
 */
export function postgresSource(): Promise<PostgresSource> {
  source ??= pick().then((picked) => (current = picked))
  return source
}

/** The source picked so far (kept after the run stops it, for the closing banner). */
export function currentPostgresSource(): PostgresSource | undefined {
  return current
}

async function pick(): Promise<PostgresSource> {
  const url = process.env['TENANCY_TEST_POSTGRES_URL']
  const forced = process.env['TENANCY_TEST_POSTGRES']
  if (forced && !['server', 'container', 'embedded'].includes(forced)) {
    throw new Error(`TENANCY_TEST_POSTGRES=${forced}: expected server, container or embedded`)
  }
  if (forced === 'server' || (url && !forced)) {
    const target = url ?? DEFAULT_POSTGRES_URL
    return { engine: 'server', label: `existing server ${hidePassword(target)}`, url: target }
  }
  if (forced === 'container' || (!forced && (await dockerAnswers()))) {
    await adoptProjectImage()
    try {
      container = await startPostgresContainer()
    } catch (error) {
      // forced: the container is what was asked for, so its failure fails the run; auto: say so and go on
      if (forced === 'container') throw error
      console.warn(
        `  a Docker engine answers, but no PostgreSQL container could be started (${error instanceof Error ? error.message : String(error)});\n` +
          '  running on embedded PGlite instead. TENANCY_TEST_POSTGRES=container makes this an error.',
      )
      return embedded()
    }
    const network = container.mode === 'local-image' ? 'host network' : 'bridge network'
    return { engine: 'container', label: `container ${container.image} (${network}, ${container.options.host}:${container.options.port})`, url: container.url }
  }
  return embedded()
}

function embedded(): PostgresSource {
  return { engine: 'embedded', label: 'embedded PGlite (in-process PostgreSQL)', driver: embeddedPostgresDriver() }
}

/** Removes the container or closes PGlite, if this run started one. */
export async function stopPostgresSource(): Promise<void> {
  if (!source) return
  const started = await source.catch(() => undefined)
  source = undefined
  if (container) {
    const stopping = container
    container = undefined
    await stopping.stop()
  }
  if (started?.engine === 'embedded') await closeEmbeddedPostgres()
}
