import { DeleteQueryBuilder, EntityManager, InsertQueryBuilder, QueryBuilder, RelationQueryBuilder, UpdateQueryBuilder } from 'typeorm'
import { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import { SubjectExecutor } from 'typeorm/persistence/SubjectExecutor'
import { SoftDeleteQueryBuilder } from 'typeorm/query-builder/SoftDeleteQueryBuilder'
import { TypeormIncompatibleError } from '../errors'
import { typeormVersion } from '../install/typeorm-version'
import { patchClear } from './clear-patch'
import { patchInsertBuilder } from './insert-builder-patch'
import { patchPersistence } from './persistence-patch'
import { patchRelationBuilder } from './relation-patch'
import { patchUpdateBuilders } from './update-builder-patch'

let patched = false

/**
 * Installs the write guard, once per process (it acts only for DataSources with tenancy installed):
 * inserts are stamped and checked where their SQL is built, upserts get a tenant condition on their
 * update branch, updates cannot move a row to another tenant, shared rows are read-only for tenants,
 * `save`/`remove` batches are checked before their first statement, relation links are checked, and
 * `clear()` (TRUNCATE) of a scoped table needs a bypass.
 * Checks TypeORM's internal shape first and throws {@link TypeormIncompatibleError} naming the version.
 */
export function patchWriteBuilders(): void {
  if (patched) return
  assertWriteShape()
  patched = true
  patchInsertBuilder()
  patchUpdateBuilders()
  patchPersistence()
  patchRelationBuilder()
  patchClear()
}

/** The TypeORM internals the write guard wraps or calls. */
export function assertWriteShape(): void {
  const required: Array<[string, object, string[]]> = [
    ['QueryBuilder', QueryBuilder.prototype, ['createWhereClausesExpression', 'getMainTableName']],
    ['InsertQueryBuilder', InsertQueryBuilder.prototype, ['getValueSets', 'createInsertExpression', 'execute']],
    ['UpdateQueryBuilder', UpdateQueryBuilder.prototype, ['getValueSet', 'getQuery', 'execute']],
    ['DeleteQueryBuilder', DeleteQueryBuilder.prototype, ['getQuery']],
    ['SoftDeleteQueryBuilder', SoftDeleteQueryBuilder.prototype, ['getQuery']],
    ['SubjectExecutor', SubjectExecutor.prototype, ['execute']],
    ['RelationQueryBuilder', RelationQueryBuilder.prototype, ['set', 'add', 'remove']],
    ['EntityMetadata', EntityMetadata.prototype, ['ensureEntityIdMap']],
    ['EntityManager', EntityManager.prototype, ['clear']],
  ]
  for (const [className, proto, names] of required) {
    for (const name of names) {
      if (typeof (proto as Record<string, unknown>)[name] !== 'function') {
        throw TypeormIncompatibleError.forShape(typeormVersion(), `${className}.prototype.${name} is missing`)
      }
    }
  }
  const alias = Object.getOwnPropertyDescriptor(QueryBuilder.prototype, 'alias')
  if (alias === undefined || typeof alias.get !== 'function') {
    throw TypeormIncompatibleError.forShape(typeormVersion(), 'QueryBuilder.prototype.alias is not a getter')
  }
}
