import type { DataSource } from 'typeorm'

/** The part of pg's `Pool` this uses. */
interface PgPool {
  connect(): Promise<{ release(): void }>
}

interface PostgresDriverInternals {
  master?: unknown
}

function masterOf(dataSource: DataSource): PgPool {
  const master = (dataSource.driver as unknown as PostgresDriverInternals).master
  if (typeof master !== 'object' || master === null || typeof (master as Partial<PgPool>).connect !== 'function') {
    throw new Error(`bench: ${dataSource.driver.options.type} DataSource has no pg pool at driver.master (TypeORM's PostgresDriver changed?)`)
  }
  return master as PgPool
}

/**
 * Makes the variants run on the same PostgreSQL connections: every DataSource of `sharers` takes the pg pool of
 * `owner` (TypeORM's `PostgresDriver.master`), and all `size` connections of it are opened now, outside any
 * request. Returns what puts each DataSource's own pool back (before it is destroyed).
 *
 * Why: with a pool per variant, a variant ran on backends of its own, and identical variants (the A/A control)
 * came out 2 to 4% apart in a run, a different way in each run: which backend a connection got mattered as much
 * as the plugin's code on a 100 µs query. With one pool, sequential operations all use the same connection
 * (pg-pool hands out the idle client released last), and concurrent batches the same eight.
 */
export async function sharePool(owner: DataSource, sharers: readonly DataSource[], size: number): Promise<() => void> {
  const pool = masterOf(owner)
  const own = sharers.map((dataSource) => [dataSource, masterOf(dataSource)] as const)
  for (const [dataSource] of own) (dataSource.driver as unknown as PostgresDriverInternals).master = pool
  const clients = await Promise.all(Array.from({ length: size }, () => pool.connect()))
  for (const client of clients) client.release()
  return () => {
    for (const [dataSource, master] of own) (dataSource.driver as unknown as PostgresDriverInternals).master = master
  }
}
