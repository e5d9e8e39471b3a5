import { expect } from 'chai'
import { Column, Entity, Index, ManyToOne, PrimaryGeneratedColumn } from 'typeorm'
import { CrossTenantWriteError, TenantScoped, runWithTenant, runWithoutTenant } from '../../lib'
import type { CapturedQuery } from '../support/capturing-logger'
import { DialectCapturingLogger } from '../support/dialects/dialect-capturing-logger'
import { describeEachDialect, type TestDataSource } from '../support/test-database'

/** String tenant keys, a reserved word as a column name, and a unique key for upserts. */
@Entity()
@TenantScoped('tenantKey')
@Index(['tenantKey', 'code'], { unique: true })
class DrvInvoice {
  @PrimaryGeneratedColumn() id!: number
  @Column({ type: 'varchar', length: 40 }) tenantKey!: string
  @Column({ type: 'varchar', length: 40 }) code!: string
  @Column({ name: 'order', type: 'int', default: 0 }) order!: number
}

@Entity()
@TenantScoped('tenantKey')
class DrvLine {
  @PrimaryGeneratedColumn() id!: number
  @Column({ type: 'varchar', length: 40 }) tenantKey!: string
  @Column({ type: 'int' }) amount!: number
  @ManyToOne(() => DrvInvoice, { nullable: true }) invoice!: DrvInvoice | null
}

/** Unique on `code` alone: an upsert keyed by it can collide with another tenant's row. */
@Entity()
@TenantScoped('tenantKey')
class DrvSku {
  @PrimaryGeneratedColumn() id!: number
  @Column({ type: 'varchar', length: 40 }) tenantKey!: string
  @Column({ type: 'varchar', length: 40, unique: true }) code!: string
  @Column({ type: 'varchar', length: 40 }) label!: string
}

const ACME = 'acme'
const OBRIEN = "o'brien; --"

/** The statements as the database received them (not the assertion spelling). */
function sent(db: TestDataSource): CapturedQuery[] {
  return db.logger instanceof DialectCapturingLogger ? db.logger.raw : db.logger.queries
}

describeEachDialect('drivers: the plugin SQL on each dialect', { entities: [DrvInvoice, DrvLine, DrvSku] }, (db) => {
  before(async () => {
    await runWithoutTenant(async () => {
      const m = db().dataSource.manager
      const [a1, , b1] = await m.save(DrvInvoice, [
        { tenantKey: ACME, code: 'INV-1', order: 1 },
        { tenantKey: ACME, code: 'INV-2', order: 2 },
        { tenantKey: OBRIEN, code: 'INV-1', order: 1 },
      ])
      await m.save(DrvLine, [
        { tenantKey: ACME, amount: 10, invoice: a1! },
        { tenantKey: OBRIEN, amount: 99, invoice: a1! },
        { tenantKey: OBRIEN, amount: 7, invoice: b1! },
      ])
      await m.save(DrvSku, [{ tenantKey: OBRIEN, code: 'SKU-1', label: 'owned by o’brien' }])
    })
  })

  it('binds a string tenant as a parameter in the dialect’s own placeholder, with its own quoting', async () => {
    const all = await runWithoutTenant(() => db().dataSource.getRepository(DrvInvoice).find())
    expect(all.map((i) => i.tenantKey)).to.include(OBRIEN)

    db().logger.clear()
    const rows = await runWithTenant(ACME, () => db().dataSource.getRepository(DrvInvoice).find({ order: { order: 'ASC' } }))
    expect(rows.map((r) => r.code)).to.deep.equal(['INV-1', 'INV-2'])
    const select = sent(db()).find((q) => /drv_invoice/.test(q.sql) && /^SELECT/.test(q.sql))!
    const expected = {
      postgres: /"DrvInvoice"\."tenantKey" = \$\d+/,
      mariadb: /`DrvInvoice`\.`tenantKey` = \?/,
      sqlite: /"DrvInvoice"\."tenantKey" = \?/,
    }[db().dialect.name]
    expect(select.sql).to.match(expected)
    expect(select.sql).not.to.include(`'${ACME}'`)
    expect(select.parameters).to.include(ACME)
  })

  it('a tenant id with a quote and a comment marker is data, not SQL', async () => {
    const rows = await runWithTenant(OBRIEN, () => db().dataSource.getRepository(DrvInvoice).find())
    expect(rows.map((r) => [r.tenantKey, r.code])).to.deep.equal([[OBRIEN, 'INV-1']])
    expect(await runWithTenant(OBRIEN, () => db().dataSource.getRepository(DrvInvoice).count())).to.equal(1)
  })

  it('a join from an entity of the tenant keeps the other tenant’s joined rows out (LEFT JOIN ON ... AND tenant)', async () => {
    const invoices = await runWithTenant(ACME, () =>
      db()
        .dataSource.getRepository(DrvInvoice)
        .createQueryBuilder('i')
        .leftJoin(DrvLine, 'l', 'l.invoiceId = i.id')
        .select(['i.code AS code', 'l.amount AS amount'])
        .where('i.order = :o', { o: 1 })
        .orWhere('i.order = :p', { p: 2 })
        .orderBy('i.code')
        .addOrderBy('l.amount')
        .getRawMany<{ code: string; amount: number | null }>(),
    )
    expect(invoices.map((r) => [r.code, r.amount === null ? null : Number(r.amount)])).to.deep.equal([
      ['INV-1', 10],
      ['INV-2', null],
    ])
  })

  it('an upsert that collides with another tenant’s key never changes that row', async () => {
    let error: unknown
    await runWithTenant(ACME, () =>
      db().dataSource.getRepository(DrvSku).upsert({ code: 'SKU-1', label: 'taken over by acme' }, ['code']),
    ).catch((e: unknown) => (error = e))
    const owned = await runWithoutTenant(() => db().dataSource.getRepository(DrvSku).findOneByOrFail({ code: 'SKU-1' }))
    expect(owned.tenantKey).to.equal(OBRIEN)
    expect(owned.label).to.equal('owned by o’brien')
    if (db().dialect.upsert === 'on-duplicate-key') {
      expect(error, 'MariaDB cannot condition ON DUPLICATE KEY UPDATE: the plugin must refuse').to.be.instanceOf(CrossTenantWriteError)
    }
  })
})
