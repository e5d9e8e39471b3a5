import { expect } from 'chai'
import { Column, DataSource, type DataSourceOptions, Entity, InsertQueryBuilder, PrimaryGeneratedColumn } from 'typeorm'
import { installTenancy, TenantScoped, TypeormIncompatibleError } from '../../lib'
import { runtimeOf } from '../../lib/install/runtime-registry'
import { probeWriteGuard } from '../../lib/write/probe-write-guard'
import { describeEachDialect } from '../support/test-database'
import { tenancyOptions } from '../support/test-store'

@Entity()
@TenantScoped('organizationId')
class ProbeTicket {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() title!: string
}

type Method = (this: { expressionMap: { valuesSet?: unknown; onUpdate?: unknown } }, ...args: unknown[]) => unknown

/** Replaces one method of InsertQueryBuilder for the duration of `fn`: a TypeORM whose insert path moved. */
async function withInsertMethod(name: string, replace: (current: Method) => Method, fn: () => Promise<void> | void): Promise<void> {
  const proto = InsertQueryBuilder.prototype as unknown as Record<string, Method>
  const current = proto[name]!
  proto[name] = replace(current)
  try {
    await fn()
  } finally {
    proto[name] = current
  }
}

/** The guard as if TypeORM no longer built inserts through the wrapped getValueSets: nothing is stamped. */
const unstamped = (): Method =>
  function () {
    const values = this.expressionMap.valuesSet
    return Array.isArray(values) ? values : [values]
  }

/** The guard as if the upsert clause were built somewhere the plugin does not wrap: it loses its condition. */
const unguardedUpsert = (current: Method): Method =>
  function (...args) {
    if (this.expressionMap.onUpdate === undefined) return current.apply(this, args)
    const onUpdate = this.expressionMap.onUpdate
    this.expressionMap.onUpdate = undefined
    try {
      return current.apply(this, args)
    } finally {
      this.expressionMap.onUpdate = onUpdate
    }
  }

/**
 * installTenancy proves on the first scoped entity that the write guard stamps inserts, refuses a foreign
 * tenant and guards upserts, by building (never sending) three INSERTs; a TypeORM whose insert path moved
 * fails at start-up with TypeormIncompatibleError instead of writing unguarded.
 */
describeEachDialect('Writes: the start-up probe of the write guard', { entities: [ProbeTicket] }, (db) => {
  const probe = () => {
    const runtime = runtimeOf(db().dataSource)!
    probeWriteGuard(runtime, runtime.entityScopeOf(db().dataSource.getMetadata(ProbeTicket))!)
  }

  it('passes on this TypeORM, and sends no SQL', () => {
    db().logger.clear()
    probe()
    expect(db().logger.statements).to.deep.equal([])
  })

  it('fails with TypeormIncompatibleError when inserts are no longer stamped', async () => {
    await withInsertMethod('getValueSets', unstamped, () => {
      expect(probe).to.throw(TypeormIncompatibleError, /did not stamp the tenant column of an INSERT for ProbeTicket/)
    })
  })

  it('fails with TypeormIncompatibleError when an upsert loses its tenant guard', async () => {
    await withInsertMethod('createInsertExpression', unguardedUpsert, () => {
      expect(probe).to.throw(TypeormIncompatibleError, /upsert/)
    })
  })

  it('runs inside installTenancy: initialize() of a new DataSource rejects when the guard is inactive', async () => {
    const { logger: _logger, logging: _logging, ...options } = db().dataSource.options as DataSourceOptions & { logger?: unknown }
    const second = new DataSource({ ...options, synchronize: false } as DataSourceOptions)
    installTenancy(second, tenancyOptions())
    let error: unknown
    await withInsertMethod('getValueSets', unstamped, async () => {
      try {
        await second.initialize()
      } catch (e) {
        error = e
      }
    })
    if (second.isInitialized) await second.destroy()
    expect(error).to.be.instanceOf(TypeormIncompatibleError)
  })
})
