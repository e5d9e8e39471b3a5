import type { DataSource, DeepPartial, EntityMetadata, EntityTarget, ObjectLiteral, Repository } from 'typeorm'
import { runWithTenant, runWithoutTenant } from '../context/run-with-tenant'
import { resolveScopedEntity, type ScopedEntity } from '../metadata/scoped-entity'
import { getTenantRepository } from '../repository/get-tenant-repository'
import { sameTenant, type TenantId } from '../tenant-id'
import { IsolationAssertionError } from './isolation-assertion-error'
import { seedTenants } from './seed-tenants'
import { TestingKitError } from './testing-kit-error'

export interface ExpectIsolatedOptions<T> {
  /** The two tenants to compare: the query runs as each, and must never return a row of the other. */
  readonly tenants: readonly [TenantId, TenantId]
  /** Rows to insert for each tenant first (the tenant column is set for you), via {@link seedTenants}. */
  readonly seed?: (tenant: TenantId) => DeepPartial<T>[]
  /** Accept a query that returns no row as either tenant (by default that fails: it proves nothing). */
  readonly allowEmpty?: boolean
}

/** What {@link expectIsolated} saw, per tenant. */
export interface IsolationReport {
  readonly runs: ReadonlyArray<{ readonly tenant: TenantId; readonly rows: number; readonly otherTenantRows: number }>
}

interface SeenRow {
  readonly entity: string
  readonly tenant: unknown
  readonly label: string
}

/**
 * Asserts that `query` keeps tenants apart: it runs `query(repository)` as each of the two tenants and fails
 * with a readable diff if any returned row (or any row loaded through a relation) belongs to another tenant.
 * First it checks, bypassing tenancy, that both tenants own rows of `entity`, so the check is able to fail.
 *
 * The callback may return entities, arrays, `Map`s, `Set`s, objects holding them, `[rows, count]`, raw rows
 * (with the tenant column, or the primary key to re-read it by), or a count: a count may exceed neither the
 * tenant's own rows nor, added to the other tenant's, the same query's count without any filter (the callback
 * then runs once more, inside `runWithoutTenant`). A row whose tenant cannot be told fails the check. Writes
 * the callback makes are not checked: assert them with a plain query afterwards.
 *
 * ```ts
 * import { expectIsolated } from 'typeorm-tenancy/testing'
 *
 * it('open tickets are isolated', () =>
 *   expectIsolated(dataSource, Ticket, (repo) => repo.find({ where: { status: 'open' }, relations: { comments: true } }), {
 *     tenants: [1, 2],
 *     seed: (tenant) => [{ title: `ticket of ${tenant}`, status: 'open' }],
 *   }))
 * // as tenant 1: SELECT ... FROM "ticket" "Ticket" LEFT JOIN "comment" "c" ON ... AND "c"."orgId" = $2
 * //              WHERE ( "Ticket"."status" = $1 ) AND ( "Ticket"."orgId" = $3 )   -- then the same as tenant 2
 * ```
 */
export async function expectIsolated<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  query: (repository: Repository<T>) => Promise<unknown> | unknown,
  options: ExpectIsolatedOptions<T>,
): Promise<IsolationReport> {
  const metadata = dataSource.getMetadata(entity)
  const scope = resolveScopedEntity(metadata)
  if (!scope) throw TestingKitError.notScoped(metadata.name)
  const [first, second] = options.tenants
  if (sameTenant(first, second)) throw TestingKitError.sameTenants(metadata.name, first)

  if (options.seed) await seedTenants(dataSource, entity, { tenants: options.tenants, rows: options.seed })
  const owned = new Map<TenantId, number>()
  for (const tenant of options.tenants) {
    const count = await runWithoutTenant(() =>
      dataSource
        .createQueryBuilder(metadata.target, 'row')
        .where(`row.${scope.column.propertyPath} = :tenant`, { tenant })
        .getCount(),
    )
    if (count === 0) {
      throw new IsolationAssertionError(
        `expectIsolated(${metadata.name}): tenant ${JSON.stringify(tenant)} owns no ${metadata.name} row, so the check ` +
          `could not fail. Seed rows for both tenants (option seed: (tenant) => [{ ... }]) before asserting isolation.`,
      )
    }
    owned.set(tenant, count)
  }

  const runs: Array<{ tenant: TenantId; rows: number; otherTenantRows: number }> = []
  const counts: number[] = []
  for (const tenant of options.tenants) {
    const raw = await runWithTenant(tenant, async () => query(getTenantRepository(dataSource, entity)))
    const result = countOf(raw)
    if (typeof result === 'number') {
      counts.push(result)
      const own = owned.get(tenant) ?? 0
      if (result > own) {
        throw new IsolationAssertionError(
          `expectIsolated(${metadata.name}): as tenant ${JSON.stringify(tenant)} the query counted ${result} rows, ` +
            `but the tenant owns only ${own}: rows of another tenant were counted.`,
          result,
          own,
        )
      }
      runs.push({ tenant, rows: result, otherTenantRows: 0 })
      continue
    }
    const seen = await collectRows(dataSource, metadata, scope, raw)
    const unknown = seen.filter((row) => row.tenant === undefined)
    if (unknown.length > 0) {
      throw new IsolationAssertionError(
        `expectIsolated(${metadata.name}): as tenant ${JSON.stringify(tenant)} the query returned ${unknown.length} row(s) ` +
          `whose tenant cannot be told (no tenant column and no primary key to re-read it by):\n` +
          `${unknown.map((row) => `  - ${row.label}`).join('\n')}\nSelect the tenant column or the primary key, so the check can fail.`,
      )
    }
    const foreign = seen.filter((row) => !sameTenant(row.tenant, tenant))
    if (foreign.length > 0) {
      const actual = seen.map((row) => row.label)
      const expected = seen.filter((row) => !foreign.includes(row)).map((row) => row.label)
      throw new IsolationAssertionError(
        `expectIsolated(${metadata.name}): as tenant ${JSON.stringify(tenant)} the query returned ${foreign.length} ` +
          `row(s) of another tenant:\n${foreign.map((row) => `  - ${row.label}`).join('\n')}\n` +
          `(a raw query, a raw join or a subquery string is not filtered: see README "What the filter cannot see")`,
        actual,
        expected,
      )
    }
    runs.push({ tenant, rows: seen.length, otherTenantRows: 0 })
  }
  if (counts.length === options.tenants.length) {
    // a count cannot show whose rows it counted; but disjoint tenants' counts add up to at most the unfiltered one
    const all = countOf(await runWithoutTenant(async () => query(dataSource.getRepository(entity))))
    const sum = counts.reduce((a, b) => a + b, 0)
    if (typeof all === 'number' && sum > all) {
      throw new IsolationAssertionError(
        `expectIsolated(${metadata.name}): the query counted ${counts.join(' and ')} as the two tenants, ${sum} in all, but ` +
          `only ${all} without any tenant filter: each tenant counted rows of the other.`,
        sum,
        all,
      )
    }
  }
  if (!options.allowEmpty && runs.every((run) => run.rows === 0)) {
    throw new IsolationAssertionError(
      `expectIsolated(${metadata.name}): the query returned no row as either tenant, so it proves nothing. ` +
        `Make it match the seeded rows, or pass allowEmpty: true if an empty result is the point.`,
    )
  }
  return { runs }
}

/** Every scoped row in `result`, with its tenant; entities missing their tenant column are re-read by id. */
async function collectRows(dataSource: DataSource, metadata: EntityMetadata, scope: ScopedEntity, result: unknown): Promise<SeenRow[]> {
  const rows: SeenRow[] = []
  const seen = new Set<object>()
  const pending: Array<Promise<void>> = []

  const visit = (value: unknown, topLevel: boolean): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return
    if (value instanceof Date || Buffer.isBuffer(value)) return
    seen.add(value)
    if (Array.isArray(value)) {
      for (const item of value) visit(item, topLevel)
      return
    }
    if (value instanceof Map) {
      for (const [key, item] of value) {
        visit(key, topLevel)
        visit(item, topLevel)
      }
      return
    }
    if (value instanceof Set) {
      for (const item of value) visit(item, topLevel)
      return
    }
    const entityMetadata = metadataOf(dataSource, value)
    const entityScope = entityMetadata && resolveScopedEntity(entityMetadata)
    if (entityMetadata && entityScope) {
      const tenant: unknown = entityScope.column.getEntityValue(value as ObjectLiteral)
      const ids = entityMetadata.getEntityIdMap(value as ObjectLiteral)
      const label = `${entityMetadata.name} ${JSON.stringify(ids ?? {})} of tenant ${JSON.stringify(tenant ?? '?')}`
      if (tenant === undefined && ids) {
        pending.push(
          runWithoutTenant(() => dataSource.getRepository(entityMetadata.target).findOne({ where: ids })).then((full) => {
            const reread: unknown = full ? entityScope.column.getEntityValue(full) : undefined
            rows.push({ entity: entityMetadata.name, tenant: reread, label: `${entityMetadata.name} ${JSON.stringify(ids)} of tenant ${JSON.stringify(reread)}` })
          }),
        )
      } else {
        rows.push({ entity: entityMetadata.name, tenant, label })
      }
    } else if (!entityMetadata) {
      // A raw row (getRawMany, query()), at any depth: find the tenant column by its column or alias name, else
      // re-read the row by its primary key when the row has it.
      const record = value as Record<string, unknown>
      const key = Object.keys(value).find(
        (k) => k === scope.column.databaseName || k === scope.column.propertyName || k.endsWith(`_${scope.column.databaseName}`),
      )
      if (key !== undefined) {
        rows.push({ entity: metadata.name, tenant: record[key], label: `${metadata.name} (raw) ${JSON.stringify(value)}` })
        return
      }
      const primary = metadata.primaryColumns
      if (topLevel && primary.length > 0 && primary.every((c) => record[c.databaseName] !== undefined || record[c.propertyName] !== undefined)) {
        const where = Object.fromEntries(primary.map((c) => [c.propertyName, record[c.databaseName] ?? record[c.propertyName]]))
        pending.push(
          runWithoutTenant(() => dataSource.getRepository(metadata.target).findOne({ where: where as never })).then((full) => {
            const reread: unknown = full ? scope.column.getEntityValue(full) : undefined
            rows.push({ entity: metadata.name, tenant: reread, label: `${metadata.name} (raw) ${JSON.stringify(value)} of tenant ${JSON.stringify(reread)}` })
          }),
        )
        return
      }
    }
    for (const nested of Object.values(value)) visit(nested, false)
  }

  visit(result, true)
  await Promise.all(pending)
  return rows
}

function metadataOf(dataSource: DataSource, value: object): EntityMetadata | undefined {
  const constructor = (value as { constructor?: unknown }).constructor
  if (typeof constructor !== 'function' || constructor === Object) return undefined
  return dataSource.hasMetadata(constructor) ? dataSource.getMetadata(constructor) : undefined
}

/** A count the callback returned: a number, or a string of digits (PostgreSQL returns `count(*)` as text). */
function countOf(result: unknown): unknown {
  if (typeof result === 'string' && /^\d+$/.test(result)) return Number(result)
  if (typeof result === 'bigint') return Number(result)
  return result
}
