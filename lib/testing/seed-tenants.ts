import type { DataSource, DeepPartial, EntityTarget, ObjectLiteral } from 'typeorm'
import { runWithoutTenant } from '../context/run-with-tenant'
import { resolveScopedEntity } from '../metadata/scoped-entity'
import type { TenantId } from '../tenant-id'
import { TestingKitError } from './testing-kit-error'

export interface SeedTenantsOptions<T> {
  /** The tenants to seed, usually two. */
  readonly tenants: readonly TenantId[]
  /** The rows of one tenant; the tenant column is set for you. */
  readonly rows: (tenant: TenantId) => DeepPartial<T>[]
}

/**
 * Inserts the same shape of rows for each tenant, bypassing tenancy (an explicit `runWithoutTenant`), and
 * returns the saved entities per tenant.
 *
 * ```ts
 * const rows = await seedTenants(dataSource, Ticket, { tenants: [1, 2], rows: (t) => [{ title: `first of ${t}` }] })
 * // INSERT INTO "ticket"("orgId", "title") VALUES ($1, $2) RETURNING "id"   -- [1, 'first of 1'], then [2, ...]
 * ```
 */
export async function seedTenants<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  options: SeedTenantsOptions<T>,
): Promise<Map<TenantId, T[]>> {
  const metadata = dataSource.getMetadata(entity)
  const scope = resolveScopedEntity(metadata)
  if (!scope) throw TestingKitError.notScoped(metadata.name)
  const saved = new Map<TenantId, T[]>()
  await runWithoutTenant(async () => {
    const repository = dataSource.getRepository(entity)
    for (const tenant of options.tenants) {
      const rows = options.rows(tenant).map((row) => {
        const entityRow = repository.create(row)
        scope.column.setEntityValue(entityRow, tenant)
        return entityRow
      })
      saved.set(tenant, await repository.save(rows))
    }
  })
  return saved
}
