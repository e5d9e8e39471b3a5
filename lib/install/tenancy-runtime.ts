import type { DataSource } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { TenantContext } from '../context/tenant-context'
import type { TenantStore } from '../context/tenant-store'
import type { TenantId } from '../tenant-id'
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
    /** False only in test mode (`installTenancy(ds, { queryFilter: false })`): the query filter leaves this DataSource alone. */
    readonly queryFilter: boolean = true,
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
    if (context.kind === 'tenant') {
      for (const entity of scope.kind === 'entity' ? [scope] : scope.ends.map((end) => end.target)) assertComparable(context.tenantId, entity)
    }
    return context
  }
}

/** Refuses, before any SQL, a tenant id the tenant column's type cannot hold (pg would fail, or worse, cast). */
function assertComparable(id: TenantId, scope: ScopedEntity): void {
  if (scope.numeric && typeof id === 'string' && !NUMERIC.test(id)) {
    throw InvalidTenantIdError.forColumn(id, scope.name, scope.column.propertyPath, 'numeric')
  }
  if (scope.uuid && (typeof id !== 'string' || !UUID.test(id))) {
    throw InvalidTenantIdError.forColumn(id, scope.name, scope.column.propertyPath, 'uuid')
  }
}

const NUMERIC = /^-?\d+(\.\d+)?$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
