import { Readable } from 'node:stream'
import { PGliteDriver, getPGliteInstance } from 'typeorm-pglite'

/**
 * The embedded PostgreSQL (PGlite, through typeorm-pglite) the suite uses when no server and no Docker are
 * available. typeorm-pglite keeps one PGlite instance per process and closes it when any DataSource is
 * destroyed; the pool below keeps it open so each spec file can have its own schema in it, and
 * {@link closeEmbeddedPostgres} closes it once at the end of the run.
 *
 * It loads the uuid-ossp extension, which TypeORM installs for generated uuid columns.
 *
 * PGlite is a single session: every DataSource and query runner shares it, so two transactions cannot run
 * at the same time (the dialect says `concurrentTransactions: false`). TypeORM's `stream()` hands the pool a
 * pg-query-stream object, which typeorm-pglite does not know; the pool answers it with a readable stream of
 * the rows (read at once: PGlite has no cursor protocol).
 */
let driver: { Pool: unknown } | undefined

// A subpath export ("./contrib/*"), which the suite's `moduleResolution: node` cannot type; loaded as CJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { uuid_ossp } = require('@electric-sql/pglite/contrib/uuid_ossp') as { uuid_ossp: object }

export function embeddedPostgresDriver(): { Pool: unknown } {
  if (!driver) {
    const base = new PGliteDriver({ extensions: { uuid_ossp } } as ConstructorParameters<typeof PGliteDriver>[0]).driver as unknown as { Pool: new () => { end(cb: (e: unknown) => void): void; query(query: unknown, parameters?: unknown, callback?: unknown): unknown } }
    class SharedInstancePool extends base.Pool {
      override end(callback: (error: unknown) => void): void {
        callback(null)
      }

      override query(query: unknown, parameters?: unknown, callback?: unknown): unknown {
        const cursor = (query as { cursor?: { text?: unknown; values?: unknown } } | null)?.cursor
        if (cursor && typeof cursor.text === 'string') {
          const text = cursor.text
          const values = Array.isArray(cursor.values) ? (cursor.values as unknown[]) : []
          return Readable.from(
            (async function* () {
              const instance = await getPGliteInstance()
              yield* (await instance.query(text, values)).rows
            })(),
          )
        }
        return super.query(query, parameters, callback)
      }
    }
    driver = { Pool: SharedInstancePool }
  }
  return driver
}

export async function embeddedPostgresExec(sql: string): Promise<void> {
  embeddedPostgresDriver()
  const instance = await getPGliteInstance()
  await instance.exec(sql)
}

export async function closeEmbeddedPostgres(): Promise<void> {
  if (!driver) return
  const instance = await getPGliteInstance()
  await instance.close()
  driver = undefined
}
