import { QueryBuilder, type DataSource, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'

type ViewExpression = (dataSource: DataSource) => SelectQueryBuilder<ObjectLiteral>

/** The builders a wrapped view expression returned: they define a view, they do not read rows. */
const definitions = new WeakSet<object>()
/** The expression functions already wrapped (a DataSource rebuilt, installTenancy called again). */
const wrapped = new WeakSet<object>()
/** Depth of view expression calls running now (synchronous: a plain counter is exact). */
let depth = 0
/** False until a view expression is wrapped: the read filter then pays nothing for this. */
let any = false
/** Depth of `getQueryAndParameters` calls running now: a builder being executed, not a view being defined. */
let executing = 0

/**
 * Marks the query builders that `@ViewEntity({ expression: (ds) => ... })` functions build, so that TypeORM's
 * schema synchronization and migration generation (`CREATE VIEW ... AS <the builder's SQL>`, the comparison
 * of view definitions) can build them with no tenant in context: a view's definition spans every tenant, and
 * the read filter applies when the view is queried (a `@TenantScoped` view gets the tenant condition; an
 * unscoped view over a scoped table is refused under a tenant, see `scopedTableReadByView`).
 *
 * Only the builder the expression returns, and the subqueries built while it runs, are marked; they skip the
 * filter only with no tenant and no bypass in context, and only when their SQL is built alone (`getQuery()`, as
 * TypeORM's schema builder does): executed (`getMany()`, `getRawMany()`, `getQueryAndParameters()`), a marked
 * builder is filtered and fails closed like any other.
 *
 * ```ts
 * @ViewEntity({ expression: (ds) => ds.createQueryBuilder().select('t.organizationId', 'organizationId')
 *   .addSelect('COUNT(*)', 'open').from(SupportTicket, 't').groupBy('t.organizationId') })
 * @TenantScoped('organizationId')
 * class OpenTicketCounts { ... }
 * // synchronize: CREATE VIEW "open_ticket_counts" AS SELECT "t"."organizationId" ... GROUP BY ...  (no tenant)
 * // runWithTenant(1, () => repo.find()): SELECT ... FROM "open_ticket_counts" ... WHERE "organizationId" = $1
 * ```
 */
export function markViewDefinitions(metadatas: readonly EntityMetadata[]): void {
  for (const metadata of metadatas) {
    const expression = metadata.expression
    if (metadata.tableType !== 'view' || typeof expression !== 'function' || wrapped.has(expression)) continue
    const original = expression as ViewExpression
    const definition: ViewExpression = (dataSource) => {
      depth++
      try {
        const qb = original(dataSource)
        definitions.add(qb)
        return qb
      } finally {
        depth--
      }
    }
    wrapped.add(definition)
    ;(metadata as { expression?: unknown }).expression = definition
    if (!any) patchExecution()
    any = true
  }
}

/** Counts `getQueryAndParameters` calls (every execution of a builder goes through it), once per process. */
function patchExecution(): void {
  const proto = QueryBuilder.prototype as unknown as Record<string, (this: unknown, ...args: unknown[]) => unknown>
  const getQueryAndParameters = proto['getQueryAndParameters']!
  proto['getQueryAndParameters'] = function (this: unknown, ...args: unknown[]) {
    executing++
    try {
      return getQueryAndParameters.apply(this, args)
    } finally {
      executing--
    }
  }
}

/** True when `qb` (or a builder it is a subquery of) defines a view, or is built while a view expression runs. */
export function isViewDefinition(qb: object): boolean {
  if (!any || executing > 0) return false
  if (depth > 0) return true
  for (let current: object | undefined = qb; current !== undefined; current = (current as { parentQueryBuilder?: object }).parentQueryBuilder) {
    if (definitions.has(current)) return true
  }
  return false
}
