/**
 * Why TypeORM's `find` with relations costs the client more per loaded row than the same QueryBuilder, in
 * isolation: TypeORM's `QueryBuilderUtils.isAliasProperty` (which `JoinAttribute.parentAlias` and
 * `relationPropertyPath` call for every parent row and join when results are hydrated) splits the join path
 * with `String.prototype.split`. A QueryBuilder's path is a string literal (`'BenchTicket.comments'`), which V8
 * interns and whose split result it caches; `find` builds the path at run time
 * (`` `${join.parentAlias}.${join.relationMetadata.propertyPath}` ``), which V8 does not intern, so every call
 * splits it anew. The third case is the built path as the plugin hands it to TypeORM (`internJoinPath`, which
 * `SelectQueryBuilder.join` calls on a DataSource with tenancy installed): the same text, internalized.
 *
 *   node -r ts-node/register/transpile-only bench/join-path-micro.ts
 *
 * Prints ns per call for the literal path, the same path built at run time, and built then interned, median of 15 blocks of
 * 200,000 calls after a warm-up (`JOIN_PATH_BLOCKS`).
 */
import { QueryBuilderUtils } from 'typeorm/query-builder/QueryBuilderUtils'
import { internJoinPath } from '../lib/query/join-path-intern'
import { median } from './stats'

const PER_BLOCK = 200_000
const BLOCKS = Number(process.env['JOIN_PATH_BLOCKS'] ?? 15)

const literal = (): string => 'BenchTicket.comments'
const parts = { parentAlias: 'BenchTicket', propertyPath: 'comments' }
// as SelectQueryBuilder.buildRelations / applyFindOptions build it
const built = (): string => `${parts.parentAlias}.${parts.propertyPath}`

/** ns per `isAliasProperty` call; `make` gives a new path every 100 calls, as each query has its own. */
function block(make: () => string): number {
  let path = make()
  let kept = 0
  const started = process.hrtime.bigint()
  for (let i = 0; i < PER_BLOCK; i++) {
    if (i % 100 === 0) path = make()
    if (QueryBuilderUtils.isAliasProperty(path)) kept++
  }
  const ns = Number(process.hrtime.bigint() - started) / PER_BLOCK
  if (kept !== PER_BLOCK) throw new Error('isAliasProperty refused a join path')
  return ns
}

function main(): void {
  const cases = [
    ['literal (a QueryBuilder join)', literal],
    ['built at run time (a find join)', built],
    ['built at run time, then interned (a find join with typeorm-tenancy)', () => internJoinPath(built())],
  ] as const
  for (let i = 0; i < 5; i++) for (const [, make] of cases) block(make)
  const times = new Map<string, number[]>(cases.map(([name]) => [name, []]))
  for (let b = 0; b < BLOCKS; b++) for (const [name, make] of cases) times.get(name)!.push(block(make))
  console.log(`Node ${process.version}: TypeORM's QueryBuilderUtils.isAliasProperty, ns per call (median of ${BLOCKS} blocks of ${PER_BLOCK})`)
  for (const [name, values] of times) console.log(`  ${name}: ${median(values).toFixed(1)} ns`)
}

main()
