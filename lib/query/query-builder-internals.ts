import type { DataSource } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'

/**
 * The parts of TypeORM's query builders that the plugin reads. They are internal to TypeORM, so
 * `assertTypeormShape` checks them when the plugin is installed.
 */
export interface AliasInternals {
  readonly type: string
  readonly name: string
  readonly hasMetadata: boolean
  readonly metadata: EntityMetadata
  /** The table path given as a string when TypeORM found no metadata for it (`from('public.ticket', 't')`). */
  readonly tablePath?: string
  /** The SQL of a subquery alias. */
  readonly subQuery?: string
}

export interface JoinAttributeInternals {
  readonly alias: AliasInternals
  condition?: string
}

export interface ExpressionMapInternals {
  readonly queryType: string
  readonly mainAlias?: AliasInternals
  readonly aliases: readonly AliasInternals[]
  readonly joinAttributes: readonly JoinAttributeInternals[]
  readonly aliasNamePrefixingEnabled: boolean
  extraAppendedAndWhereCondition: string
  /** The user's where clauses (strings, Brackets, find-option operators). */
  readonly wheres: readonly unknown[]
}

export interface QueryBuilderInternals {
  readonly expressionMap: ExpressionMapInternals
  /** 1.x */
  readonly dataSource?: DataSource
  /** 0.3 (a deprecated getter in 1.x) */
  readonly connection?: DataSource
  escape(name: string): string
  getTableName(tablePath: string): string
  createWhereClausesExpression(clauses: readonly unknown[]): string
}

export function dataSourceOf(qb: QueryBuilderInternals): DataSource | undefined {
  return qb.dataSource ?? qb.connection
}
