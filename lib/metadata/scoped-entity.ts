import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import { TenancyConfigurationError } from '../errors'
import { findTenantScopedDeclaration } from './tenant-scoped'

/** A tenant-scoped entity, resolved against its TypeORM metadata. */
export interface ScopedEntity {
  readonly kind: 'entity'
  readonly metadata: EntityMetadata
  readonly name: string
  readonly column: ColumnMetadata
  readonly shared: boolean
  /** The tenant column holds numbers: a string tenant id must be numeric. */
  readonly numeric: boolean
  /** The tenant column holds integers (`number` maps to an integer column): a tenant id must be an integer. */
  readonly integer: boolean
  /** The tenant column is a `uuid` column: a tenant id must be a UUID. */
  readonly uuid: boolean
}

/** One side of a junction table that points at a scoped entity. */
export interface ScopedJunctionEnd {
  readonly target: ScopedEntity
  readonly junctionColumns: readonly ColumnMetadata[]
  readonly referencedColumns: readonly ColumnMetadata[]
}

/**
 * A many-to-many junction table with at least one scoped end. The junction has no tenant column of its own;
 * a junction row is visible to a tenant only when its scoped ends belong to that tenant.
 */
export interface ScopedJunction {
  readonly kind: 'junction'
  readonly metadata: EntityMetadata
  readonly name: string
  readonly ends: readonly ScopedJunctionEnd[]
}

export type Scope = ScopedEntity | ScopedJunction

const INTEGER_TYPES = new Set<unknown>([Number, 'int', 'int2', 'int4', 'int8', 'integer', 'tinyint', 'smallint', 'mediumint', 'bigint'])
const NUMERIC_TYPES = new Set<unknown>([
  ...INTEGER_TYPES,
  'float', 'float4', 'float8', 'double', 'double precision', 'real', 'decimal', 'numeric', 'dec',
])

/** Resolves the scope of one entity; `undefined` when it is not tenant-scoped. Throws on a bad declaration. */
export function resolveScopedEntity(metadata: EntityMetadata): ScopedEntity | undefined {
  const declaration = findTenantScopedDeclaration(metadata.target)
  if (!declaration) return undefined
  const column = metadata.findColumnWithPropertyPath(declaration.column)
  if (!column) {
    if (metadata.findRelationWithPropertyPath(declaration.column)) {
      throw TenancyConfigurationError.tenantColumnIsRelation(metadata.name, declaration.column)
    }
    throw TenancyConfigurationError.columnNotFound(metadata.name, declaration.column, metadata.columns.map((c) => c.propertyPath))
  }
  if (metadata.treeType === 'nested-set') throw TenancyConfigurationError.nestedSetTree(metadata.name)
  return Object.freeze({
    kind: 'entity' as const,
    metadata,
    name: metadata.name,
    column,
    shared: declaration.shared,
    numeric: NUMERIC_TYPES.has(column.type),
    integer: INTEGER_TYPES.has(column.type),
    uuid: column.type === 'uuid',
  })
}

/** Resolves a junction table's scoped ends; `undefined` when none of its ends is scoped. */
export function resolveScopedJunction(
  metadata: EntityMetadata,
  scopeOf: (target: EntityMetadata) => ScopedEntity | undefined,
): ScopedJunction | undefined {
  // a many-to-many junction, or a closure table (ancestor and descendant both rows of the tree entity)
  if (metadata.tableType !== 'junction' && metadata.tableType !== 'closure-junction') return undefined
  const ends: ScopedJunctionEnd[] = []
  for (const foreignKey of metadata.foreignKeys) {
    const target = scopeOf(foreignKey.referencedEntityMetadata)
    if (target) ends.push({ target, junctionColumns: foreignKey.columns, referencedColumns: foreignKey.referencedColumns })
  }
  if (ends.length === 0) return undefined
  return Object.freeze({ kind: 'junction' as const, metadata, name: metadata.name, ends })
}
