import type { DataSource } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { TenantContext } from '../context/tenant-context'
import type { TenantStore } from '../context/tenant-store'
import type { TenantId } from '../tenant-id'
import { InvalidTenantIdError, TenancyConfigurationError, TenantContextMissingError } from '../errors'
import { resolveScopedEntity, resolveScopedJunction, type Scope, type ScopedEntity } from '../metadata/scoped-entity'
import { ScopedTableNames, tableNameKey } from '../metadata/scoped-table-names'
import { scopedTableReadByView } from '../metadata/scoped-view'
import { BYPASS } from '../context/tenant-context'

/**
 * Everything the plugin knows about one DataSource it protects: its store and the scope of each entity.
 * One per DataSource; nothing here is shared between DataSources or requests.
 */
export class TenancyRuntime {
  private readonly scopes = new Map<EntityMetadata, Scope | null>()
  private tables: ScopedTableNames | undefined
  private views = new Map<EntityMetadata, Scope>()

  constructor(
    readonly dataSource: DataSource,
    readonly store: TenantStore,
    /**
     * False only in test mode (`installTenancy(ds, { unsafeDisableQueryFilter: true })`): the query filter adds
     * no tenant condition on this DataSource. Queries still fail closed without a context.
     */
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

  /**
   * The scope of the entity or junction whose table `tablePath` names (compared by the bare table name,
   * case-insensitively, quotes and database/schema prefixes ignored), or `undefined`. For aliases TypeORM
   * could not map to metadata (`from('public.support_ticket', 't')`, `update('db.schema.ticket')`): the read
   * filter and the write guard refuse such a statement rather than send it without the tenant condition.
   *
   * ```ts
   * runtimeOf(dataSource)!.scopeOfTableName('"public"."support_ticket"')?.name // 'SupportTicket'
   * ```
   */
  scopeOfTableName(tablePath: string | undefined): Scope | undefined {
    this.tables ??= new ScopedTableNames(this.dataSource.entityMetadatas, (metadata) => this.scopeOf(metadata))
    return this.tables.scopeOf(tablePath)
  }

  /**
   * Resolves every entity of the DataSource, so a bad declaration fails at start-up, not at the first query.
   * Also refuses a table mapped by both a scoped and an unscoped entity or view (a read model, the unscoped
   * parent of a scoped single-table child, the same table spelled with its schema or database): the unscoped
   * one would read every tenant's rows. Tables are compared by their bare name (`tableNameKey`), as the read
   * filter compares table strings: `support_ticket` and `public.support_ticket` are one table.
   */
  validate(): ScopedEntity[] {
    this.scopes.clear()
    this.tables = undefined
    this.views = new Map()
    const scoped: ScopedEntity[] = []
    const byTable = new Map<string, { scoped?: EntityMetadata; unscoped?: EntityMetadata }>()
    for (const metadata of this.dataSource.entityMetadatas) {
      const scope = this.scopeOf(metadata)
      if (scope?.kind === 'entity') scoped.push(scope)
      const key = tableNameKey(metadata.tablePath)
      const entry = byTable.get(key) ?? {}
      if (scope === undefined) entry.unscoped ??= metadata
      else entry.scoped ??= metadata
      if (entry.scoped && entry.unscoped) throw TenancyConfigurationError.sharedTable(metadata.tablePath, entry.scoped.name, entry.unscoped.name)
      byTable.set(key, entry)
    }
    this.tables = new ScopedTableNames(this.dataSource.entityMetadatas, (metadata) => this.scopeOf(metadata))
    // a view over such a view reads the scoped table too: repeat until no more view is found
    const tables = this.tables
    const viaViews = new Map<string, Scope>()
    const lookup = (name: string): Scope | undefined => tables.scopeOf(name) ?? viaViews.get(tableNameKey(name))
    const candidates = this.dataSource.entityMetadatas.filter((m) => m.tableType === 'view' && this.scopeOf(m) === undefined)
    for (let found = true; found; ) {
      found = false
      for (const metadata of candidates) {
        if (this.views.has(metadata)) continue
        const read = scopedTableReadByView(metadata, lookup, (fn) => this.store.run(BYPASS, fn))
        if (read === undefined) continue
        this.views.set(metadata, read)
        viaViews.set(tableNameKey(metadata.tablePath), read)
        found = true
      }
    }
    return scoped
  }

  /**
   * The scope of a scoped table that an unscoped `@ViewEntity` reads (its expression names the table, or a view
   * that does, transitively), or `undefined`. Such a view holds every tenant's rows and has no tenant column to
   * filter on: the read filter and the insert guard refuse it under a tenant and with no context, and let it
   * through only under `runWithoutTenant`.
   */
  scopedTableOfView(metadata: EntityMetadata): Scope | undefined {
    return this.views.size === 0 ? undefined : this.views.get(metadata)
  }

  /**
   * The context a query on `scope` runs under. Fails closed: no context throws
   * {@link TenantContextMissingError} before any SQL is built.
   */
  contextFor(scope: Scope): TenantContext {
    const context = this.store.get()
    if (context === undefined) throw TenantContextMissingError.forEntity(scope.name)
    if (context.kind === 'tenant') {
      if (scope.kind === 'entity') assertComparable(context.tenantId, scope)
      else for (const end of scope.ends) assertComparable(context.tenantId, end.target)
    }
    return context
  }
}

/** Refuses, before any SQL, a tenant id the tenant column's type cannot hold (pg would fail, or worse, cast). */
function assertComparable(id: TenantId, scope: ScopedEntity): void {
  if (scope.numeric && typeof id === 'string' && !NUMERIC.test(id)) {
    throw InvalidTenantIdError.forColumn(id, scope.name, scope.column.propertyPath, 'numeric')
  }
  // an integer column: MySQL/MariaDB would round '2.4' or 1.6 to another tenant's id when stamping an insert
  if (scope.integer && (typeof id === 'string' ? !INTEGER.test(id) : typeof id === 'number' && !Number.isSafeInteger(id))) {
    throw InvalidTenantIdError.forColumn(id, scope.name, scope.column.propertyPath, 'integer')
  }
  if (scope.uuid && (typeof id !== 'string' || !UUID.test(id))) {
    throw InvalidTenantIdError.forColumn(id, scope.name, scope.column.propertyPath, 'uuid')
  }
}

const NUMERIC = /^-?\d+(\.\d+)?$/
const INTEGER = /^-?\d+$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
