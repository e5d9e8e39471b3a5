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
      `The tenant id ${describe(value)} cannot be compared with ${entity}.${column}, a ${expected} column. ` +
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
}

/** A tenant-aware API was used with a DataSource on which `installTenancy` was never called. */
export class TenancyNotInstalledError extends TenancyError {
  readonly code = 'TENANCY_NOT_INSTALLED' as const

  static forDataSource(what: string): TenancyNotInstalledError {
    return new TenancyNotInstalledError(
      `${what} was called with a DataSource on which tenancy is not installed. ` +
        `Call installTenancy(dataSource) once, right after you create the DataSource.`,
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
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value === '' ? 'an empty string' : `the string ${JSON.stringify(value)}`
  if (typeof value === 'number') return `the number ${String(value)}`
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  return `a value of type ${typeof value}`
}
