import type { DataSource } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import { TenancyNotInstalledError } from '../errors'
import { findTenantScopedDeclaration } from '../metadata/tenant-scoped'

const allowed = new WeakSet<object>()
/** Per metadata: the name of the @TenantScoped entity it is (or a junction of), or null. */
const declared = new WeakMap<EntityMetadata, string | null>()

/**
 * Lets a DataSource on which tenancy is not installed query `@TenantScoped` entities with no tenant condition,
 * for tooling that must see every row (migrations, seeding, a test harness). Without it, such a query throws
 * {@link TenancyNotInstalledError} before any SQL is sent: a forgotten `installTenancy()` (a read replica, a
 * worker's own DataSource) would otherwise read every tenant's rows silently.
 *
 * ```ts
 * const seeder = new DataSource({ ...options, entities: [SupportTicket] })
 * allowUnprotectedDataSource(seeder)
 * await seeder.initialize()
 * await seeder.getRepository(SupportTicket).find()
 * // SELECT ... FROM "support_ticket" "SupportTicket"   -- every tenant's rows, by choice
 * ```
 *
 * It has no effect once `installTenancy(dataSource)` is called: the DataSource is then protected.
 */
export function allowUnprotectedDataSource(dataSource: DataSource): void {
  allowed.add(dataSource)
}

/**
 * Called by the query wrappers of a DataSource without a runtime: throws {@link TenancyNotInstalledError} when
 * `metadata` is a `@TenantScoped` entity (or a junction of one) and the DataSource was not explicitly allowed.
 * Cheap on the unscoped fast path: one WeakMap lookup per metadata.
 */
export function refuseUnprotected(dataSource: object | undefined, metadata: EntityMetadata): void {
  let name = declared.get(metadata)
  if (name === undefined) {
    name = scopedName(metadata)
    declared.set(metadata, name)
  }
  if (name !== null && (dataSource === undefined || !allowed.has(dataSource))) throw TenancyNotInstalledError.forEntity(name)
}

function scopedName(metadata: EntityMetadata): string | null {
  if (findTenantScopedDeclaration(metadata.target)) return metadata.name
  if (metadata.tableType === 'junction' || metadata.tableType === 'closure-junction') {
    for (const foreignKey of metadata.foreignKeys) {
      const end = foreignKey.referencedEntityMetadata
      if (findTenantScopedDeclaration(end.target)) return end.name
    }
  }
  return null
}
