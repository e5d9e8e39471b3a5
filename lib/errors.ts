/**
 * Every error this plugin throws is a {@link TenancyError}: catch that one class, then branch on `code`.
 *
 * Messages name the entity involved and say how to fix the problem.
 *
 * ```ts
 * try {
 *   await tickets.find()
 * } catch (error) {
 *   if (error instanceof TenancyError && error.code === 'TENANT_CONTEXT_MISSING') res.status(401).end()
 *   else throw error
 * }
 * ```
 */
export abstract class TenancyError extends Error {
  /** A stable, machine-readable identifier of the failure. */
  abstract readonly code: TenancyErrorCode

  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}

/** The codes of every {@link TenancyError}. */
export type TenancyErrorCode =
  | 'TENANT_CONTEXT_MISSING'
  | 'INVALID_TENANT_ID'
  | 'TENANCY_CONFIGURATION'
  | 'TENANCY_NOT_INSTALLED'
  | 'TYPEORM_INCOMPATIBLE'
  | 'CROSS_TENANT_WRITE'
  | 'CROSS_TENANT_ROW'
  | 'UNFILTERABLE_QUERY'

/**
 * A query touched a tenant-scoped entity while no tenant was in context and no bypass was active.
 * No SQL was sent.
 */
export class TenantContextMissingError extends TenancyError {
  readonly code = 'TENANT_CONTEXT_MISSING' as const

  constructor(
    message: string,
    /** The name of the scoped entity the query touched. */
    readonly entity: string,
  ) {
    super(message)
  }

  static forEntity(entity: string): TenantContextMissingError {
    return new TenantContextMissingError(
      `No tenant in context for a query on the tenant-scoped entity "${entity}"; no SQL was sent. ` +
        `Wrap the call in runWithTenant(tenantId, () => ...) (or use the tenancy middleware for your framework), ` +
        `or, for a deliberate cross-tenant job, in runWithoutTenant(() => ...).`,
      entity,
    )
  }
}

/** `runWithTenant` was given a value that cannot identify a tenant. */
export class InvalidTenantIdError extends TenancyError {
  readonly code = 'INVALID_TENANT_ID' as const

  constructor(
    message: string,
    /** The value that was refused. */
    readonly value: unknown,
  ) {
    super(message)
  }

  static forValue(value: unknown): InvalidTenantIdError {
    return new InvalidTenantIdError(
      `runWithTenant() was given ${describe(value)}, which is not a tenant id. ` +
        `A tenant id is a non-empty string or a finite number; an empty value never means "no filter". ` +
        `Check the value your tenant resolver returns, or use runWithoutTenant(() => ...) for a deliberate cross-tenant job.`,
      value,
    )
  }

  static forColumn(value: unknown, entity: string, column: string, expected: string): InvalidTenantIdError {
    return new InvalidTenantIdError(
      `The tenant id ${describe(value)} cannot be compared with ${entity}.${column}, ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected} column. ` +
        `Pass runWithTenant() an id of the column's type.`,
      value,
    )
  }
}

/** The entities or options given to the plugin are wrong; thrown at install or initialize time. */
export class TenancyConfigurationError extends TenancyError {
  readonly code = 'TENANCY_CONFIGURATION' as const

  constructor(
    message: string,
    /** The entity whose configuration is wrong, when there is one. */
    readonly entity: string | undefined,
  ) {
    super(message)
  }

  static columnNotFound(entity: string, column: string, available: readonly string[]): TenancyConfigurationError {
    return new TenancyConfigurationError(
      `@TenantScoped('${column}') on entity "${entity}" names a column that the entity does not have. ` +
        `Add a @Column() ${column} property to ${entity}, or pass the name of an existing column ` +
        `(columns of ${entity}: ${available.join(', ') || 'none'}).`,
      entity,
    )
  }

  static tenantColumnIsRelation(entity: string, column: string): TenancyConfigurationError {
    return new TenancyConfigurationError(
      `@TenantScoped('${column}') on entity "${entity}" names a relation, not a column. ` +
        `Declare the foreign key as its own column (@Column() ${column}Id) next to the relation and name that column.`,
      entity,
    )
  }

  static nestedSetTree(entity: string): TenancyConfigurationError {
    return new TenancyConfigurationError(
      `Entity "${entity}" is a @Tree('nested-set') and @TenantScoped: a nested set has one root per table and ` +
        `cannot be kept per tenant. Use @Tree('closure-table') or @Tree('materialized-path') instead.`,
      entity,
    )
  }

  static invalidOption(option: string, value: unknown, expected: string): TenancyConfigurationError {
    return new TenancyConfigurationError(
      `installTenancy() option "${option}" is ${describe(value)}; expected ${expected}.`,
      undefined,
    )
  }

  static invalidDecorator(entity: string, problem: string): TenancyConfigurationError {
    return new TenancyConfigurationError(`@TenantScoped on "${entity}": ${problem}`, entity)
  }

  /** `renamed` is an old option name; its replacement is `replacement`. */
  static renamedOption(renamed: string, replacement: string): TenancyConfigurationError {
    return new TenancyConfigurationError(
      `installTenancy() option "${renamed}" was renamed to "${replacement}" (tests only); update the call.`,
      undefined,
    )
  }

  /**
   * `scoped` (@TenantScoped) and `unscoped` (not) are mapped to the same table `table`: queries of `unscoped`
   * would read every tenant's rows of it.
   */
  static sharedTable(table: string, scoped: string, unscoped: string): TenancyConfigurationError {
    return new TenancyConfigurationError(
      `Entities "${scoped}" and "${unscoped}" are mapped to the same table "${table}", but only "${scoped}" is @TenantScoped: ` +
        `a query of "${unscoped}" would read every tenant's rows. Put @TenantScoped on "${unscoped}" too (same tenant column), ` +
        `or, for single-table inheritance, put @TenantScoped on the parent entity so every child inherits it.`,
      unscoped,
    )
  }

  /** The function expression of the unscoped view `view` threw when built to check which tables it reads. */
  static uninspectableView(view: string, cause: unknown): TenancyConfigurationError {
    return new TenancyConfigurationError(
      `@ViewEntity "${view}": its expression function threw when typeorm-tenancy built it to check whether the view ` +
        `reads a @TenantScoped table (${cause instanceof Error ? cause.message : String(cause)}). Make the function build ` +
        `its query builder from the DataSource it is given alone, or give the view a SQL string expression.`,
      view,
    )
  }
}

/** A tenant-aware API was used with a DataSource on which `installTenancy` was never called. */
export class TenancyNotInstalledError extends TenancyError {
  readonly code = 'TENANCY_NOT_INSTALLED' as const

  /**
   * A query of `entity`, which is @TenantScoped, on a DataSource on which tenancy is not installed: it would
   * be sent without any tenant condition.
   */
  static forEntity(entity: string): TenancyNotInstalledError {
    return new TenancyNotInstalledError(
      `"${entity}" is @TenantScoped, but the DataSource this query runs on has no installTenancy(): the query would read ` +
        `every tenant's rows, so no SQL was sent. Call installTenancy(dataSource) once, right after you create the DataSource ` +
        `(also for replicas, workers and scripts), or, for a tooling DataSource that must see every row (migrations, seeding), ` +
        `call allowUnprotectedDataSource(dataSource).`,
    )
  }

  static forDataSource(what: string): TenancyNotInstalledError {
    return new TenancyNotInstalledError(
      `${what} was called with a DataSource on which tenancy is not installed. ` +
        `Call installTenancy(dataSource) once, right after you create the DataSource.`,
    )
  }
}

/**
 * A query on a tenant-scoped table cannot be given the tenant condition (or its condition could be escaped),
 * so the plugin refused it. No SQL was sent.
 */
export class UnfilterableQueryError extends TenancyError {
  readonly code = 'UNFILTERABLE_QUERY' as const

  constructor(
    message: string,
    /** The name of the scoped entity the query touched. */
    readonly entity: string,
  ) {
    super(message)
  }

  /** The builder names the table of `entity` by a string (`tablePath`) that TypeORM does not map to the entity. */
  static tablePathOfScopedEntity(tablePath: string, alias: string, entity: string): UnfilterableQueryError {
    return new UnfilterableQueryError(
      `The query builder names the table "${tablePath}" (alias "${alias}") by a string, and it names the table of the ` +
        `@TenantScoped entity "${entity}", so the tenant condition cannot be applied; no SQL was sent. ` +
        `Use the entity class instead, e.g. from(${entity}, '${alias}') / leftJoin(${entity}, '${alias}', ...) / update(${entity}), ` +
        `so the tenant condition can be applied (or run a deliberate cross-tenant job in runWithoutTenant(() => ...)).`,
      entity,
    )
  }

  /** A query reads the unscoped view `view`, whose expression reads the table of the scoped `entity`. */
  static viewOfScopedEntity(view: string, alias: string, entity: string): UnfilterableQueryError {
    return new UnfilterableQueryError(
      `The query reads the view "${view}" (alias "${alias}"), which is not @TenantScoped but reads the table of the ` +
        `@TenantScoped entity "${entity}": it holds every tenant's rows and the tenant condition cannot be applied; no SQL was sent. ` +
        `Give the view the tenant column and put @TenantScoped on it (@TenantScoped('organizationId') @ViewEntity(...)), ` +
        `or read it in a deliberate cross-tenant job inside runWithoutTenant(() => ...).`,
      entity,
    )
  }

  /** `clear({ cascade: true })` (TRUNCATE ... CASCADE) under a tenant, on a DataSource with scoped entities. */
  static clearCascade(entity: string): UnfilterableQueryError {
    return new UnfilterableQueryError(
      `clear({ cascade: true }) of "${entity}" would TRUNCATE ... CASCADE, which also empties every table that references it, ` +
        `every tenant's rows of @TenantScoped tables included, so it is refused under a tenant; nothing was sent. ` +
        `Delete rows with a query builder (it carries the tenant condition), or run the cascade in a deliberate ` +
        `cross-tenant job inside runWithoutTenant(() => ...).`,
      entity,
    )
  }

  /** A DELETE of the unscoped `entity` under a tenant, which `referrer`'s cascading foreign key would follow. */
  static cascadingDelete(entity: string, referrer: string): UnfilterableQueryError {
    return new UnfilterableQueryError(
      `A delete of "${entity}" (not @TenantScoped) under a tenant would make the database follow the ON DELETE ` +
        `CASCADE / SET NULL foreign key of "${referrer}" and delete or unlink every tenant's rows that reference it, so it ` +
        `is refused; nothing was sent. Delete shared rows in a deliberate cross-tenant job inside runWithoutTenant(() => ...), ` +
        `or remove the tenant's own references first.`,
      referrer,
    )
  }

  /** `clear()` (TRUNCATE) of a scoped entity's table under a tenant. */
  static clearOfScopedEntity(entity: string): UnfilterableQueryError {
    return new UnfilterableQueryError(
      `clear() of the @TenantScoped entity "${entity}" would TRUNCATE the table, every tenant's rows, so it is refused ` +
        `under a tenant; nothing was sent. Delete the current tenant's rows with ` +
        `repository.createQueryBuilder().delete().execute() (it carries the tenant condition), or clear the whole table ` +
        `in a deliberate cross-tenant job inside runWithoutTenant(() => repository.clear()).`,
      entity,
    )
  }

  /** A where or join condition of a query on `entity` closes more parentheses (or quotes, comments) than it opens. */
  static unbalancedCondition(entity: string, where: 'where' | 'join' | 'upsert', problem: string): UnfilterableQueryError {
    const what = where === 'upsert' ? 'An upsert condition (overwriteCondition or indexPredicate)' : `A ${where} condition`
    return new UnfilterableQueryError(
      `${what} of a query on the @TenantScoped entity "${entity}" has ${problem}; ` +
        `it could escape the tenant condition, so no SQL was sent. Balance the parentheses and quotes of the condition ` +
        `(e.g. .where('(a = 1 OR b = 2)')), and pass values as parameters (.where('a = :a', { a })).`,
      entity,
    )
  }
}

/** The installed TypeORM does not have the internal shape this plugin relies on. */
export class TypeormIncompatibleError extends TenancyError {
  readonly code = 'TYPEORM_INCOMPATIBLE' as const

  static forShape(typeormVersion: string, problem: string): TypeormIncompatibleError {
    return new TypeormIncompatibleError(
      `typeorm-tenancy cannot protect this DataSource: ${problem} (typeorm ${typeormVersion}). ` +
        `Supported lines are typeorm >=0.3.26 <0.4 and ^1.0.0; pin one of them, and report the version at the project's issue tracker.`,
    )
  }
}

/** A write would create, change or link a row of another tenant. Nothing was written. */
export class CrossTenantWriteError extends TenancyError {
  readonly code = 'CROSS_TENANT_WRITE' as const

  constructor(
    message: string,
    /** The name of the scoped entity the write touched. */
    readonly entity: string,
  ) {
    super(message)
  }

  static foreignTenant(entity: string, column: string): CrossTenantWriteError {
    return new CrossTenantWriteError(
      `A write to "${entity}" sets ${column} to a tenant other than the current one; nothing was written. ` +
        `Leave ${column} empty (the plugin fills it in), or run the write under that tenant.`,
      entity,
    )
  }

  static tenantChange(entity: string, column: string): CrossTenantWriteError {
    return new CrossTenantWriteError(
      `A write to "${entity}" changes ${column}, the tenant column; a row cannot move to another tenant and nothing was written. ` +
        `Leave ${column} out of the update, or move the row in runWithoutTenant(() => ...) as a deliberate admin job.`,
      entity,
    )
  }

  static sharedRow(entity: string, column: string): CrossTenantWriteError {
    return new CrossTenantWriteError(
      `A write to "${entity}" would create or change a shared row (${column} IS NULL); shared rows are read by every tenant ` +
        `and written by none, so nothing was written. Write shared rows in runWithoutTenant(() => ...).`,
      entity,
    )
  }

  static opaqueTenantValue(entity: string, column: string): CrossTenantWriteError {
    return new CrossTenantWriteError(
      `A write to "${entity}" sets ${column} with a raw SQL expression, which the plugin cannot check; nothing was written. ` +
        `Leave ${column} empty (the plugin fills it in) or pass a plain value.`,
      entity,
    )
  }

  /**
   * A foreign key to a scoped entity set with a raw SQL expression (a function value in `set()`/`values()`,
   * or `increment()`/`decrement()` of the key), which the plugin cannot check against the current tenant.
   */
  static opaqueReference(entity: string, column: string, related: string): CrossTenantWriteError {
    return new CrossTenantWriteError(
      `A write to "${entity}" sets ${column}, a foreign key to "${related}", with a raw SQL expression (a function value, ` +
        `or increment()/decrement() of the key), which the plugin cannot check; nothing was written. ` +
        `Pass the id of a "${related}" row the current tenant can load as a plain value.`,
      entity,
    )
  }

  /** An INSERT/UPDATE/DELETE named a scoped entity's table by a path string TypeORM did not map to the entity. */
  static unresolvedTablePath(entity: string, tablePath: string, kind: 'entity' | 'junction' = 'entity'): CrossTenantWriteError {
    const fix =
      kind === 'entity'
        ? `Pass the entity class instead (e.g. update(${entity}), delete().from(${entity}), insert().into(${entity}))`
        : `Pass the entity class instead: link and unlink rows with createQueryBuilder().relation(Owner, 'property').of(...).add(...) / .remove(...), or save() the owner`
    return new CrossTenantWriteError(
      `A write names the table of "${entity}" by the path string "${tablePath}", which TypeORM does not map to the entity, ` +
        `so the plugin cannot limit it to the current tenant; nothing was written. ${fix}, or run the job in runWithoutTenant(() => ...).`,
      entity,
    )
  }

  static rowNotFound(entity: string): CrossTenantWriteError {
    return new CrossTenantWriteError(
      `save() of "${entity}" names a generated primary key that the current tenant has no row for; nothing was written. ` +
        `Load the entity under the current tenant before saving it, or leave the primary key empty to create a new row.`,
      entity,
    )
  }

  static foreignReference(entity: string, related: string): CrossTenantWriteError {
    return new CrossTenantWriteError(
      `A write to "${entity}" links it to "${related}" rows that the current tenant has no row for; nothing was written. ` +
        `Link only rows the current tenant can load.`,
      entity,
    )
  }

  static upsertCannotBeScoped(entity: string, column: string, dialect: string): CrossTenantWriteError {
    return new CrossTenantWriteError(
      `An upsert of "${entity}" on ${dialect} cannot be limited to the current tenant: ON DUPLICATE KEY UPDATE fires on any ` +
        `unique key and takes no WHERE, so it could overwrite another tenant's row; nothing was written. ` +
        `Make ${column} part of the conflict target and of every unique key the row can collide on ` +
        `(e.g. @Unique(['${column}', 'slug'])), or use insert() and update() separately.`,
      entity,
    )
  }

  /**
   * A MySQL/MariaDB upsert refused because a unique index of the real table (read from `information_schema`,
   * declared on the entity or not) lacks the tenant column, or because that table could not be found to check.
   */
  static upsertUniqueIndexWithoutTenant(
    entity: string,
    column: string,
    dialect: string,
    index: { readonly table: string; readonly name?: string; readonly columns?: readonly string[] },
  ): CrossTenantWriteError {
    if (index.name === undefined) {
      return new CrossTenantWriteError(
        `An upsert of "${entity}" on ${dialect} cannot be limited to the current tenant: its table ${index.table} was not found as a ` +
          `base table in information_schema, so its unique keys (ON DUPLICATE KEY UPDATE fires on any of them and takes no WHERE) cannot ` +
          `be checked; nothing was written. Check the entity's table and database names, or use insert() and update() separately.`,
        entity,
      )
    }
    const key = `${index.name === 'PRIMARY' ? 'the primary key' : `unique index ${index.name}`} (${(index.columns ?? []).join(', ')})`
    return new CrossTenantWriteError(
      `An upsert of "${entity}" on ${dialect} cannot be limited to the current tenant: ${key} of table ${index.table} does ` +
        `not include ${column}, and ON DUPLICATE KEY UPDATE fires on any unique key and takes no WHERE, so a row colliding ` +
        `on it would overwrite another tenant's row; nothing was written. Add ${column} to that unique index (a migration ` +
        `recreating it on (${[column, ...(index.columns ?? [])].join(', ')})), or use insert() and update() separately.`,
      entity,
    )
  }

  static rawConflictClause(entity: string): CrossTenantWriteError {
    return new CrossTenantWriteError(
      `An insert into "${entity}" uses a raw ON CONFLICT clause (onConflict()), which the plugin cannot limit to the current ` +
        `tenant; nothing was written. Use orUpdate(columns, conflictTarget) or orIgnore() instead.`,
      entity,
    )
  }

  static insertFromSelect(entity: string, column: string): CrossTenantWriteError {
    return new CrossTenantWriteError(
      `An INSERT ... SELECT into "${entity}" cannot be checked row by row for ${column}; nothing was written. ` +
        `Load the rows and insert them with values(), or run the job in runWithoutTenant(() => ...).`,
      entity,
    )
  }
}

/** A row of another tenant was loaded and the `onLeak: 'throw'` policy is in force. */
export class CrossTenantRowError extends TenancyError {
  readonly code = 'CROSS_TENANT_ROW' as const

  constructor(
    message: string,
    /** The name of the scoped entity whose row leaked. */
    readonly entity: string,
  ) {
    super(message)
  }

  /** `onLeak: 'throw'`: the failsafe found `count` rows of other tenants in a loaded result; the first is `event`. */
  static forRow(event: { entity: string; primaryKey: unknown; foundTenant: unknown; expectedTenant: unknown; path: string }, count = 1): CrossTenantRowError {
    const more = count > 1 ? ` (and ${count - 1} more row${count > 2 ? 's' : ''})` : ''
    return new CrossTenantRowError(
      `A row of "${event.entity}" with primary key ${JSON.stringify(event.primaryKey)} belongs to tenant ${String(event.foundTenant)}, ` +
        `but was loaded through ${event.path} while tenant ${String(event.expectedTenant)} is current${more}; onLeak: 'throw' refused the result. ` +
        `A query on ${event.path} is missing the tenant condition: join the entity class instead of a raw table, or add the condition yourself.`,
      event.entity,
    )
  }

  /** Application code added a row of another tenant to a loaded relation collection; the collection is unchanged. */
  static foreignElement(entity: string, relation: string, method: string, foundTenant: unknown, expectedTenant: unknown): CrossTenantRowError {
    return new CrossTenantRowError(
      `${relation}.${method}() was given a "${entity}" of tenant ${String(foundTenant)}, but the collection was loaded for tenant ` +
        `${String(expectedTenant)}; nothing was added. Only rows of the current tenant (or new rows with an empty tenant column) ` +
        `can be attached to a loaded entity.`,
      entity,
    )
  }

  /**
   * A save/remove/softRemove/recover of an entity from which the failsafe removed rows of another tenant: TypeORM
   * would compare the shortened relations with the database and unlink or delete the rows it cannot see.
   * Nothing was written.
   */
  static writeAfterStrip(entity: string, relations: readonly string[], mode: string): CrossTenantRowError {
    const method = mode === 'soft-remove' ? 'softRemove' : mode
    const list = relations.join(', ')
    const fix =
      mode === 'save'
        ? `Reload the entity (with the query filter on, the rows are never loaded), or delete the relation propert${relations.length > 1 ? 'ies' : 'y'} ` +
          `(${list}) from it before saving when you do not mean to change ${relations.length > 1 ? 'them' : 'it'}.`
        : `Reload the entity (with the query filter on, the rows are never loaded) and ${method} the fresh copy.`
    return new CrossTenantRowError(
      `${method}() of "${entity}" was refused: the failsafe removed rows of another tenant from ${list} when it was loaded, ` +
        `and TypeORM would treat them as removed (unlink, nullify or delete them). Nothing was written. ${fix}`,
      entity,
    )
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value === '' ? 'an empty string' : `the string ${JSON.stringify(value)}`
  if (typeof value === 'number') return `the number ${String(value)}`
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  return `a value of type ${typeof value}`
}
