import { randomBytes } from 'node:crypto'
import { Client } from 'pg'
import { DataSource } from 'typeorm'
import { allowUnprotectedDataSource } from '../lib'
import { benchEntities } from './model'

/** One dataset size: organizations x tickets per organization x comments per ticket. */
export interface DatasetSize {
  readonly name: 'large' | 'small'
  readonly organizations: number
  readonly ticketsPerOrganization: number
  readonly commentsPerTicket: number
}

export const LARGE: DatasetSize = { name: 'large', organizations: 100, ticketsPerOrganization: 1000, commentsPerTicket: 3 }
export const SMALL: DatasetSize = { name: 'small', organizations: 10, ticketsPerOrganization: 100, commentsPerTicket: 3 }

/** A loaded dataset: where it lives and how its ids are laid out. */
export interface Dataset {
  readonly size: DatasetSize
  readonly schema: string
}

/** The non-owner role the RLS variant connects as (trust auth on the local server). */
export const RLS_ROLE = 'typeorm_tenancy_bench'

export const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test'

export function databaseUrl(): string {
  return process.env['BENCH_DATABASE_URL'] ?? DEFAULT_URL
}

/** The same server and database, as the RLS role. */
export function rlsUrl(url: string): string {
  const parsed = new URL(url)
  parsed.username = RLS_ROLE
  parsed.password = ''
  return parsed.toString()
}

/** Ticket ids are laid out per organization: organization o owns ids (o-1)*T+1 .. o*T. */
export function ticketIdRange(size: DatasetSize, organization: number): [number, number] {
  const first = (organization - 1) * size.ticketsPerOrganization + 1
  return [first, first + size.ticketsPerOrganization - 1]
}

/**
 * Creates a schema of its own, the tables (through TypeORM's synchronize, so the names are TypeORM's), loads
 * the rows with set-based INSERT ... SELECT over generate_series, then indexes the tenant columns, enables
 * row-level security with the policy in its best form, and grants the RLS role what it needs.
 */
export async function createDataset(url: string, size: DatasetSize, log: (line: string) => void): Promise<Dataset> {
  const schema = `bench_${size.name}_${randomBytes(4).toString('hex')}`
  const admin = new DataSource({ type: 'postgres', url })
  await admin.initialize()
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`)
  } finally {
    await admin.destroy()
  }
  const sync = new DataSource({ type: 'postgres', url, schema, entities: benchEntities, synchronize: true })
  allowUnprotectedDataSource(sync)
  await sync.initialize()
  const started = Date.now()
  try {
    const s = `"${schema}"`
    const { organizations: O, ticketsPerOrganization: T, commentsPerTicket: C } = size
    await sync.query(`INSERT INTO ${s}."organization" ("id", "name") SELECT o, 'Organization ' || o FROM generate_series(1, ${O}) o`)
    await sync.query(
      `INSERT INTO ${s}."support_ticket" ("id", "organizationId", "title", "status", "priority")
       SELECT (o - 1) * ${T} + n, o, 'Ticket ' || n || ' of organization ' || o,
              CASE WHEN n % 3 = 0 THEN 'closed' ELSE 'open' END, n % 5
       FROM generate_series(1, ${O}) o, generate_series(1, ${T}) n`,
    )
    await sync.query(
      `INSERT INTO ${s}."ticket_comment" ("organizationId", "body", "ticketId")
       SELECT t."organizationId", 'Comment ' || c || ' on ticket ' || t."id", t."id"
       FROM ${s}."support_ticket" t, generate_series(1, ${C}) c ORDER BY t."id", c`,
    )
    for (const table of ['organization', 'support_ticket', 'ticket_comment']) {
      await sync.query(`SELECT setval(pg_get_serial_sequence('${schema}.${table}', 'id'), (SELECT max("id") FROM ${s}."${table}"))`)
    }
    // The tenant column leads each index, with the key the queries order or join by after it.
    await sync.query(`CREATE INDEX ON ${s}."support_ticket" ("organizationId", "id")`)
    await sync.query(`CREATE INDEX ON ${s}."ticket_comment" ("organizationId", "ticketId")`)
    await sync.query(`CREATE INDEX ON ${s}."ticket_comment" ("ticketId")`)

    // Row-level security, best form: the setting is read once per statement (an InitPlan), not per row.
    const policy = `"organizationId" = (SELECT current_setting('app.tenant_id')::int)`
    for (const table of ['support_ticket', 'ticket_comment']) {
      await sync.query(`ALTER TABLE ${s}."${table}" ENABLE ROW LEVEL SECURITY`)
      await sync.query(`CREATE POLICY tenant_isolation ON ${s}."${table}" USING (${policy}) WITH CHECK (${policy})`)
    }
    await sync.query(
      `DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RLS_ROLE}') THEN CREATE ROLE ${RLS_ROLE} LOGIN; END IF;
       END $$`,
    )
    await sync.query(`GRANT USAGE ON SCHEMA ${s} TO ${RLS_ROLE}`)
    await sync.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${RLS_ROLE}`)
    await sync.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${RLS_ROLE}`)
    await sync.query(`VACUUM ANALYZE ${s}."organization"`)
    await sync.query(`VACUUM ANALYZE ${s}."support_ticket"`)
    await sync.query(`VACUUM ANALYZE ${s}."ticket_comment"`)
  } catch (error) {
    await sync.destroy()
    await dropDataset(url, { size, schema })
    throw error
  }
  await sync.destroy()
  log(`dataset ${size.name}: ${size.organizations} organizations x ${size.ticketsPerOrganization} tickets x ${size.commentsPerTicket} comments in schema ${schema} (${Date.now() - started} ms)`)
  return { size, schema }
}

/**
 * Puts a dataset back as it was loaded: removes the rows `save-new` inserted (the warm-up runs it too: on the
 * small dataset it would otherwise double the tickets before the first read is measured), then
 * `VACUUM ANALYZE`, so every read is measured on the loaded rows with fresh statistics and the planner does
 * not switch plans halfway through a run when autovacuum gets to the table. `update-by-id` only changes
 * `priority`, which no read filters on.
 */
export async function restoreDataset(url: string, dataset: Dataset): Promise<void> {
  const { organizations: O, ticketsPerOrganization: T, commentsPerTicket: C } = dataset.size
  const s = `"${dataset.schema}"`
  const client = new Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`DELETE FROM ${s}."ticket_comment" WHERE "id" > ${O * T * C}`)
    await client.query(`DELETE FROM ${s}."support_ticket" WHERE "id" > ${O * T}`)
    await client.query(`VACUUM ANALYZE ${s}."support_ticket"`)
    await client.query(`VACUUM ANALYZE ${s}."ticket_comment"`)
  } finally {
    await client.end()
  }
}

/** Drops the dataset's schema. */
export async function dropDataset(url: string, dataset: Dataset): Promise<void> {
  const admin = new DataSource({ type: 'postgres', url })
  await admin.initialize()
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${dataset.schema}" CASCADE`)
  } finally {
    await admin.destroy()
  }
}

/** Drops the RLS role once no schema grants it anything (best effort: another run may still use it). */
export async function dropRlsRole(url: string): Promise<void> {
  const admin = new DataSource({ type: 'postgres', url })
  await admin.initialize()
  try {
    await admin.query(`DROP ROLE IF EXISTS ${RLS_ROLE}`)
  } catch {
    // still granted on another run's schema: leave it
  } finally {
    await admin.destroy()
  }
}
