import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { ScopedEntity } from '../metadata/scoped-entity'

/**
 * The upsert rule for dialects whose update branch cannot carry a tenant condition (MySQL and MariaDB's
 * `ON DUPLICATE KEY UPDATE` fires on whichever unique key collides and takes no WHERE).
 *
 * An upsert is safe only when it cannot collide with another tenant's row: the conflict target names the
 * tenant column, and every unique key a row can collide on (the primary key and each unique constraint or
 * index whose columns the row sets) includes the tenant column.
 *
 * ```ts
 * @Entity() @TenantScoped('organizationId') @Unique(['organizationId', 'slug'])
 * class Page { @PrimaryGeneratedColumn() id!: number; @Column() organizationId!: number; @Column() slug!: string }
 * await pages.upsert({ slug: 'home', body: '...' }, ['organizationId', 'slug'])  // accepted
 * await settings.upsert({ code: 'theme', value: 'dark' }, ['code'])           // CrossTenantWriteError
 * ```
 */
export function upsertKeyedByTenant(scope: ScopedEntity, conflict: string | readonly string[] | undefined, valueSets: readonly object[]): boolean {
  const tenant = scope.column
  const names = new Set([tenant.databaseName, tenant.propertyPath])
  if (!Array.isArray(conflict) || !conflict.some((c) => names.has(c))) return false
  for (const key of uniqueKeys(scope.metadata)) {
    if (key.includes(tenant)) continue
    const collides = valueSets.some((values) =>
      key.every((column) => {
        const value: unknown = column.getEntityValue(values)
        return value !== undefined && value !== null
      }),
    )
    if (collides) return false
  }
  return true
}

/** The primary key and every unique constraint or index of an entity, as column lists. */
function uniqueKeys(metadata: EntityMetadata): ColumnMetadata[][] {
  const keys: ColumnMetadata[][] = [metadata.primaryColumns]
  for (const unique of metadata.uniques) keys.push(unique.columns)
  for (const index of metadata.indices) if (index.isUnique) keys.push(index.columns)
  return keys.filter((k) => k.length > 0)
}
