import type { QueryRunner } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import { builderDataSource, type WriteBuilderInternals } from './write-builder-internals'

/** One part of a unique index: a column (`null` for a functional key part) and its prefix length, if any. */
export interface UniqueKeyPart {
  readonly column: string | null
  readonly prefixLength: number | null
}

/** A unique index of the real table, as the database enforces it (`PRIMARY` is the primary key). */
export interface DatabaseUniqueKey {
  readonly name: string
  readonly parts: readonly UniqueKeyPart[]
}

/** The unique indexes of a table, and the table as it was looked up (for messages). */
export interface DatabaseUniqueKeys {
  /** `database.table`, or `table` when it lives in the connection's current database. */
  readonly table: string
  /** `undefined` when no base table of that name exists (none, or a view): nothing can be proven about it. */
  readonly keys: readonly DatabaseUniqueKey[] | undefined
}

// LEFT JOIN: one row (with NULL index columns) for a table without unique indexes, none for a missing table
const UNIQUE_KEYS_SQL =
  'SELECT t.TABLE_TYPE AS table_type, s.INDEX_NAME AS index_name, s.COLUMN_NAME AS column_name, s.SUB_PART AS sub_part ' +
  'FROM information_schema.TABLES t LEFT JOIN information_schema.STATISTICS s ' +
  'ON s.TABLE_SCHEMA = t.TABLE_SCHEMA AND s.TABLE_NAME = t.TABLE_NAME AND s.NON_UNIQUE = 0 ' +
  'WHERE t.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND t.TABLE_NAME = ? ORDER BY s.INDEX_NAME, s.SEQ_IN_INDEX'

/** A view (or a sequence) has no unique keys of its own to read: fail closed. */
const TABLE_TYPES = new Set(['BASE TABLE', 'SYSTEM VERSIONED'])

interface Row {
  table_type: string
  index_name: string | null
  column_name: string | null
  sub_part: number | string | null
}

/**
 * Reads every unique index of an entity's real table on MySQL, MariaDB or Aurora MySQL from
 * `information_schema.STATISTICS` (`NON_UNIQUE = 0`, grouped by `INDEX_NAME`): the primary key, the unique
 * constraints and indexes TypeORM declared, and any a migration or a DBA added that the entity does not
 * declare. The table is looked up in the entity's `database` when it has one, else in `DATABASE()`: the
 * database TypeORM's `INSERT` names (MySQL table paths ignore `schema`).
 *
 * It runs on the builder's own query runner (inside its transaction, if any), or on a runner it creates and
 * releases. Nothing is cached: every upsert reads the indexes again, because a migration may add a unique
 * index while the application runs, and one stale answer would be a cross-tenant overwrite.
 *
 * ```ts
 * const { table, keys } = await readDatabaseUniqueKeys(qb, metadata)
 * // table 'adv_page', keys [{ name: 'PRIMARY', parts: [{ column: 'id', prefixLength: null }] },
 * //                         { name: 'uq_public_slug', parts: [{ column: 'publicSlug', prefixLength: null }] }, ...]
 * ```
 */
export async function readDatabaseUniqueKeys(qb: WriteBuilderInternals, metadata: EntityMetadata): Promise<DatabaseUniqueKeys> {
  const database = metadata.database || undefined
  const table = database === undefined ? metadata.tableName : `${database}.${metadata.tableName}`
  const own = qb.queryRunner
  const runner: QueryRunner = own ?? builderDataSource(qb)!.createQueryRunner()
  try {
    const rows = (await runner.query(UNIQUE_KEYS_SQL, [database ?? null, metadata.tableName])) as Row[]
    return { table, keys: uniqueKeysOf(rows) }
  } finally {
    if (own === undefined) await runner.release()
  }
}

function uniqueKeysOf(rows: readonly Row[]): DatabaseUniqueKey[] | undefined {
  if (rows.length === 0 || rows.some((row) => !TABLE_TYPES.has(row.table_type))) return undefined
  const keys = new Map<string, UniqueKeyPart[]>()
  for (const row of rows) {
    if (row.index_name === null) continue
    const parts = keys.get(row.index_name) ?? []
    parts.push({ column: row.column_name, prefixLength: row.sub_part === null ? null : Number(row.sub_part) })
    keys.set(row.index_name, parts)
  }
  return [...keys].map(([name, parts]) => ({ name, parts }))
}

/** How a key part reads in a message: `slug`, `name(10)` for a prefix, `(expression)` for a functional part. */
export function keyPartText(part: UniqueKeyPart): string {
  if (part.column === null) return '(expression)'
  return part.prefixLength === null ? part.column : `${part.column}(${part.prefixLength})`
}
