import { SelectQueryBuilder } from 'typeorm'
import { runtimeOf } from '../install/runtime-registry'
import { dataSourceOf, type QueryBuilderInternals } from './query-builder-internals'

/** Join paths remembered at most; past it a new path is used as given (the process's paths are few: `alias.relation`). */
const LIMIT = 4096
const interned = new Map<string, string>()

/**
 * The same text as `path`, as a string V8 has internalized. `String.prototype.split` caches its result only for
 * an internalized string, and TypeORM splits a join's path (`Ticket.comments`) with it for every parent row and
 * join while it hydrates a result (`JoinAttribute.parentAlias` and `relationPropertyPath` call
 * `QueryBuilderUtils.isAliasProperty`). A QueryBuilder's path is a string literal, already internalized; a
 * `find`'s is built at run time (`` `${parentAlias}.${propertyPath}` ``), so each call split it anew: twice the
 * cost per call (`bench/join-path-micro.ts`), about 8 µs per `find` of 50 tickets with 150 comments.
 *
 * A property key is always internalized, so the key `Object.keys` returns for `path` is. Paths with no dot
 * (an entity or table name) and subqueries (`(SELECT ...)`) are returned as they are.
 */
export function internJoinPath(path: string): string {
  const known = interned.get(path)
  if (known !== undefined) return known
  if (interned.size >= LIMIT || path.indexOf('.') === -1 || path.startsWith('(')) return path
  const key = Object.keys({ [path]: true })[0] ?? path
  interned.set(key, key)
  return key
}

let patched = false

/**
 * Wraps `SelectQueryBuilder.join` (every `leftJoin*`, `innerJoin*` and the joins `find` builds for `relations`
 * and eager relations), once per process: on a DataSource with tenancy installed, a join path given as a string
 * is replaced by {@link internJoinPath}'s equal string before TypeORM stores it in the join. Nothing else
 * changes: the same text, the same SQL.
 *
 * Only a speed-up, so unlike the query filter's patches it does not refuse to install when a TypeORM version
 * has no `join` method: the joins are then hydrated as TypeORM does without the plugin.
 */
export function patchJoinPaths(): void {
  if (patched) return
  patched = true
  const select = SelectQueryBuilder.prototype as unknown as Record<string, (this: QueryBuilderInternals, ...args: unknown[]) => unknown>
  const join = select['join']
  if (typeof join !== 'function') return
  select['join'] = function (this: QueryBuilderInternals, direction: unknown, entityOrProperty: unknown, ...rest: unknown[]) {
    // join(direction, entityOrProperty, aliasName, condition, ...): the same arguments, a string path interned
    const path = typeof entityOrProperty === 'string' && runtimeOf(dataSourceOf(this)) !== undefined ? internJoinPath(entityOrProperty) : entityOrProperty
    return join.call(this, direction, path, ...rest)
  }
}
