import { EntityManager } from 'typeorm'
import { UnfilterableQueryError } from '../errors'
import { runtimeOf } from '../install/runtime-registry'
import { refuseUnprotected } from '../install/unprotected-data-source'

type Method = (this: ManagerInternals, ...args: unknown[]) => Promise<unknown>

interface ManagerInternals {
  readonly connection: { getMetadata(target: unknown): import('typeorm/metadata/EntityMetadata').EntityMetadata }
}

/**
 * Wraps `EntityManager.clear` (also behind `Repository.clear`), which sends `TRUNCATE` through the query runner,
 * outside every query builder: for a `@TenantScoped` entity (or a junction of one) it would empty the table for
 * every tenant. Under a tenant it is refused with {@link UnfilterableQueryError}; with no tenant and no bypass,
 * with `TenantContextMissingError`; only `runWithoutTenant` may clear the table. `clear({ cascade: true })`
 * (TypeORM 1.x, `TRUNCATE ... CASCADE`) of any entity is refused the same way when the DataSource has a scoped
 * entity: the cascade empties the tables that reference it, whatever the metadata declares. Nothing is sent
 * when refused.
 *
 * ```ts
 * await runWithTenant(1, () => tickets.clear())               // UnfilterableQueryError, no SQL
 * await runWithTenant(1, () => tickets.createQueryBuilder().delete().execute())
 * // DELETE FROM "support_ticket" WHERE "organizationId" = $1 -- [1]
 * await runWithoutTenant(() => tickets.clear())               // TRUNCATE TABLE "support_ticket"
 * ```
 */
export function patchClear(): void {
  const proto = EntityManager.prototype as unknown as Record<string, Method>
  const clear = proto['clear']!
  proto['clear'] = function (this: ManagerInternals, ...args: unknown[]) {
    const dataSource = this.connection
    let metadata
    try {
      metadata = dataSource.getMetadata(args[0])
    } catch {
      return clear.apply(this, args) // TypeORM's own error for an unknown entity
    }
    const runtime = runtimeOf(dataSource)
    if (runtime === undefined) {
      try {
        refuseUnprotected(dataSource, metadata)
      } catch (error) {
        return Promise.reject(error)
      }
      return clear.apply(this, args)
    }
    try {
      const scope = runtime.scopeOf(metadata)
      if (scope !== undefined && runtime.contextFor(scope).kind === 'tenant') throw UnfilterableQueryError.clearOfScopedEntity(scope.name)
      // TypeORM 1.x: clear({ cascade: true }) is TRUNCATE ... CASCADE, which also empties every table whose foreign
      // keys reach this one (declared or not): with any scoped entity in the DataSource, only a bypass may do it
      if (scope === undefined && (args[1] as { cascade?: unknown } | undefined)?.cascade === true) {
        const reached = runtime.dataSource.entityMetadatas.map((m) => runtime.scopeOf(m)).find((s) => s !== undefined)
        if (reached !== undefined && runtime.contextFor(reached).kind === 'tenant') throw UnfilterableQueryError.clearCascade(metadata.name)
      }
    } catch (error) {
      return Promise.reject(error)
    }
    return clear.apply(this, args)
  }
}
