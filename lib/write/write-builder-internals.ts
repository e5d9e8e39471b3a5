import type { DataSource, QueryRunner } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { RelationMetadata } from 'typeorm/metadata/RelationMetadata'
import type { AliasInternals } from '../query/query-builder-internals'

/**
 * The parts of TypeORM's write builders and persistence that the write guard reads. They are internal to
 * TypeORM, so `assertWriteShape` checks them when the plugin is installed.
 */
export interface WhereClauseInternals {
  type: 'simple' | 'and' | 'or'
  condition: string | WhereClauseInternals[]
}

export interface OnUpdateInternals {
  overwrite?: string[]
  columns?: string[]
  conflict?: string | string[]
  overwriteCondition?: WhereClauseInternals[]
  /** PostgreSQL/SQLite: a partial index's predicate, pasted into `ON CONFLICT (...) WHERE ( ... )`. */
  indexPredicate?: string
}

export interface WriteExpressionMapInternals {
  readonly mainAlias?: AliasInternals
  valuesSet?: unknown
  onUpdate?: OnUpdateInternals
  onIgnore?: boolean
  /** 0.3 only, deprecated there: a raw ON CONFLICT clause. */
  onConflict?: string
  /** 1.x only: INSERT ... SELECT. */
  insertFromSelect?: unknown
  extraAppendedAndWhereCondition: string
  aliasNamePrefixingEnabled: boolean
  of?: unknown
  relationMetadata?: RelationMetadata
}

export interface DriverInternals {
  readonly options: { readonly type: string }
  readonly supportedUpsertTypes?: readonly string[]
}

export interface WriteBuilderInternals {
  readonly expressionMap: WriteExpressionMapInternals
  readonly dataSource?: DataSource
  readonly connection?: DataSource
  readonly queryRunner?: QueryRunner
  readonly alias: string
  escape(name: string): string
  getTableName(tablePath: string): string
  getMainTableName(): string
  createWhereClausesExpression(clauses: WhereClauseInternals[]): string
}

export interface SubjectInternals {
  readonly metadata: EntityMetadata
  readonly entity?: object
  readonly databaseEntity?: object
  readonly mustBeInserted: boolean
  readonly mustBeUpdated?: boolean
  readonly mustBeRemoved?: boolean
  readonly mustBeSoftRemoved?: boolean
  readonly mustBeRecovered?: boolean
  readonly diffColumns: ReadonlyArray<{ readonly databaseName: string }>
  readonly diffRelations?: readonly RelationMetadata[]
  /** The primary key of the row the subject stands for (set for an existing row, even with no entity loaded). */
  readonly identifier?: object
}

export interface SubjectExecutorInternals {
  readonly queryRunner: QueryRunner & { readonly dataSource?: DataSource; readonly connection?: DataSource }
  readonly allSubjects: readonly SubjectInternals[]
}

export function builderDataSource(qb: WriteBuilderInternals): DataSource | undefined {
  return qb.dataSource ?? qb.connection
}

/** The metadata of a builder's main alias, when it has one. */
export function mainMetadata(qb: WriteBuilderInternals): EntityMetadata | undefined {
  const alias = qb.expressionMap.mainAlias
  return alias !== undefined && alias.hasMetadata ? alias.metadata : undefined
}

const POSTGRES_FAMILY = new Set(['postgres', 'aurora-postgres', 'cockroachdb'])
const SQLITE_FAMILY = new Set(['sqlite', 'better-sqlite3', 'capacitor', 'cordova', 'react-native', 'nativescript', 'sqljs', 'expo'])

export type UpsertDialect = 'postgres' | 'sqlite' | 'mysql' | 'other'

/** How a driver writes an upsert's update branch, for the tenant rule. */
export function upsertDialect(driver: DriverInternals): UpsertDialect {
  const type = driver.options.type
  if (POSTGRES_FAMILY.has(type)) return 'postgres'
  if (SQLITE_FAMILY.has(type)) return 'sqlite'
  if (driver.supportedUpsertTypes?.includes('on-duplicate-key-update')) return 'mysql'
  return 'other'
}
