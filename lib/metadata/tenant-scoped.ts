import { TenancyConfigurationError } from '../errors'

/** Options of {@link TenantScoped}. */
export interface TenantScopedOptions {
  /**
   * Rows that every tenant may read:
   * - omitted (default): none; a row belongs to exactly one tenant.
   * - `'null'`: rows whose tenant column is NULL are shared: every tenant reads them, no tenant writes them
   *   (only code inside `runWithoutTenant` does).
   */
  shared?: 'null'
}

/** What `@TenantScoped` recorded on a class. */
export interface TenantScopedDeclaration {
  readonly column: string
  readonly shared: boolean
}

const declarations = new WeakMap<object, TenantScopedDeclaration>()

/**
 * Marks an entity as owned by a tenant and names the property that holds the tenant id.
 * Every query of the entity then carries the tenant condition, and every write is stamped and checked.
 * The column is checked when the DataSource's metadata is built: a wrong name fails at start-up.
 * Subclasses (single-table or concrete inheritance) inherit the scope.
 *
 * ```ts
 * @Entity()
 * @TenantScoped('organizationId')
 * class SupportTicket {
 *   @PrimaryGeneratedColumn() id!: number
 *   @Column() organizationId!: number
 * }
 * // runWithTenant(42, () => repo.find()) sends
 * // SELECT ... FROM "support_ticket" "SupportTicket" WHERE "SupportTicket"."organizationId" = $1  -- [42]
 * ```
 */
export function TenantScoped(column: string, options: TenantScopedOptions = {}): ClassDecorator {
  return (target) => {
    if (typeof column !== 'string' || column.trim() === '') {
      throw TenancyConfigurationError.invalidDecorator(target.name, 'the tenant column name must be a non-empty string, e.g. @TenantScoped(\'organizationId\').')
    }
    if (options.shared !== undefined && options.shared !== 'null') {
      throw TenancyConfigurationError.invalidDecorator(target.name, `option shared must be 'null' or omitted, not ${JSON.stringify(options.shared)}.`)
    }
    declarations.set(target, Object.freeze({ column, shared: options.shared === 'null' }))
  }
}

/** The declaration on `target` or its nearest decorated superclass. */
export function findTenantScopedDeclaration(target: unknown): TenantScopedDeclaration | undefined {
  let current: unknown = target
  while (typeof current === 'function') {
    const found = declarations.get(current)
    if (found) return found
    current = Object.getPrototypeOf(current)
  }
  return undefined
}
