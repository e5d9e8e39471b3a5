import { DeleteQueryBuilder, InsertQueryBuilder, QueryBuilder, SelectQueryBuilder, UpdateQueryBuilder, type DataSource } from 'typeorm'
import { SoftDeleteQueryBuilder } from 'typeorm/query-builder/SoftDeleteQueryBuilder'
import { TypeormIncompatibleError } from '../errors'
import type { QueryBuilderInternals } from '../query/query-builder-internals'
import { typeormVersion } from './typeorm-version'
import { resultCacheShapeProblem } from '../cache/scoped-result-cache'

/**
 * Checks that TypeORM still has the internal shape the query filter relies on. Throws
 * {@link TypeormIncompatibleError}, naming the TypeORM version, instead of protecting nothing.
 */
export function assertTypeormShape(dataSource: DataSource): void {
  const fail = (problem: string): never => {
    throw TypeormIncompatibleError.forShape(typeormVersion(), problem)
  }
  const base = QueryBuilder.prototype as unknown as Record<string, unknown>
  for (const name of ['createWhereExpression', 'createWhereClausesExpression', 'getParameters', 'getTableName', 'escape', 'getQueryAndParameters']) {
    if (typeof base[name] !== 'function') fail(`QueryBuilder.prototype.${name} is missing`)
  }
  if (typeof (SelectQueryBuilder.prototype as unknown as Record<string, unknown>)['createJoinExpression'] !== 'function') {
    fail('SelectQueryBuilder.prototype.createJoinExpression is missing')
  }
  const cacheProblem = resultCacheShapeProblem()
  if (cacheProblem !== undefined) fail(cacheProblem)
  const subclasses = { SelectQueryBuilder, UpdateQueryBuilder, DeleteQueryBuilder, SoftDeleteQueryBuilder, InsertQueryBuilder }
  for (const [className, cls] of Object.entries(subclasses)) {
    for (const name of ['createWhereExpression', 'getParameters']) {
      if (Object.prototype.hasOwnProperty.call(cls.prototype, name)) fail(`${className} overrides ${name}`)
    }
  }
  const probe = dataSource.createQueryBuilder() as unknown
  if (!(probe instanceof SelectQueryBuilder)) {
    fail('the DataSource comes from another copy of the typeorm package than the one typeorm-tenancy loaded; make sure only one typeorm is installed (npm ls typeorm)')
  }
  const map = (probe as QueryBuilderInternals).expressionMap as unknown as Record<string, unknown>
  if (typeof map['extraAppendedAndWhereCondition'] !== 'string') fail('QueryExpressionMap.extraAppendedAndWhereCondition is not a string')
  if (!Array.isArray(map['joinAttributes']) || !Array.isArray(map['aliases'])) fail('QueryExpressionMap.joinAttributes or aliases is not an array')
  if (typeof map['aliasNamePrefixingEnabled'] !== 'boolean') fail('QueryExpressionMap.aliasNamePrefixingEnabled is not a boolean')
}
