import type { DataSource } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { TenantContext } from '../context/tenant-context'
import type { TenantStore } from '../context/tenant-store'
import { InvalidTenantIdError, TenantContextMissingError } from '../errors'
import { resolveScopedEntity, resolveScopedJunction, type Scope, type ScopedEntity } from '../metadata/scoped-entity'

/**
 * Everything the plugin knows about one DataSource it protects: its store and the scope of each entity.
 * One per DataSource; nothing here is shared between DataSources or requests.
 */
export class TenancyRuntime {
  private readonly scopes = new Map<EntityMetadata, Scope | null>()

  constructor(
    readonly dataSource: DataSource,
    readonly store: TenantStore,
  ) {}

  /** The scope of an entity or junction table, or `undefined` when it is not tenant-scoped. */
  scopeOf(metadata: EntityMetadata): Scope | undefined {
    let scope = this.scopes.get(metadata)
    if (scope === undefined) {
      scope = resolveScopedEntity(metadata) ?? resolveScopedJunction(metadata, (target) => this.entityScopeOf(target)) ?? null
      this.scopes.set(metadata, scope)
    }
    return scope ?? undefined
  }

  /** Like {@link scopeOf}, for entities only. */
  entityScopeOf(metadata: EntityMetadata): ScopedEntity | undefined {
    const scope = this.scopeOf(metadata)
    return scope?.kind === 'entity' ? scope : undefined
  }

  /** Resolves every entity of the DataSource, so a bad declaration fails at start-up, not at the first query. */
  validate(): ScopedEntity[] {
    this.scopes.clear()
    const scoped: ScopedEntity[] = []
    for (const metadata of this.dataSource.entityMetadatas) {
      const scope = this.scopeOf(metadata)
      if (scope?.kind === 'entity') scoped.push(scope)
    }
    return scoped
  }

  /**
   * The context a query on `scope` runs under. Fails closed: no context throws
   * {@link TenantContextMissingError} before any SQL is built.
   */
  contextFor(scope: Scope): TenantContext {
    const context = this.store.get()
    if (context === undefined) throw TenantContextMissingError.forEntity(scope.name)
    if (context.kind === 'tenant' && scope.kind === 'entity' && scope.numeric && typeof context.tenantId === 'string' && !NUMERIC.test(context.tenantId)) {
      throw InvalidTenantIdError.forColumn(context.tenantId, scope.name, scope.column.propertyPath, 'numeric')
    }
    return context
  }
}

const NUMERIC = /^-?\d+(\.\d+)?$/
