import { expect } from 'chai'
import { Column, DataSource, Entity, PrimaryGeneratedColumn, ViewColumn, ViewEntity } from 'typeorm'
import {
  runWithTenant,
  runWithoutTenant,
  TenancyConfigurationError,
  TenantContextMissingError,
  TenantScoped,
  UnfilterableQueryError,
} from '../../lib'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { Scope } from '../../lib/metadata/scoped-entity'
import { tableNameKey } from '../../lib/metadata/scoped-table-names'
import { scopedTableReadByView } from '../../lib/metadata/scoped-view'
import { initializeError, openTestDataSource, testDialects, type TestDataSource, type TestDialect } from '../support/test-database'
import { A, B } from './adversarial-model'

/**
 * FIXED (second adversarial review, HIGH): the shared-table check compared full table paths, so an unscoped
 * entity naming the scoped table with its schema or database (`public.adv_ledger`, `db.adv_ledger`) passed
 * and read and deleted every tenant's rows. Tables are now compared by bare name, as the read filter compares
 * table strings.
 *
 * FIXED (MEDIUM-HIGH): views were skipped by that check, and an unscoped `@ViewEntity` over a scoped table
 * (an aggregate, a read model) read every tenant's rows, even with no tenant in context. A view named like a
 * scoped table is now refused at initialize(); an unscoped view whose expression reads a scoped table is
 * refused under a tenant (UnfilterableQueryError) and with no context (TenantContextMissingError), before any
 * SQL, and read only under runWithoutTenant. A @TenantScoped view is filtered like a table.
 */
@Entity('adv_ledger')
@TenantScoped('orgId')
class AdvLedger {
  @PrimaryGeneratedColumn() id!: number
  @Column() orgId!: number
  @Column() amount!: number
}

/** An aggregate over the scoped table, not scoped itself: every tenant's totals. */
@ViewEntity({
  name: 'adv_ledger_totals',
  expression: (ds: DataSource) => ds.createQueryBuilder().select('l.orgId', 'orgId').addSelect('SUM(l.amount)', 'total').from(AdvLedger, 'l').groupBy('l.orgId'),
})
class AdvLedgerTotals {
  @ViewColumn() orgId!: number
  @ViewColumn() total!: number
}

/** The fix the error message suggests: the same view, @TenantScoped on its tenant column. */
@ViewEntity({
  name: 'adv_ledger_scoped_totals',
  expression: (ds: DataSource) => ds.createQueryBuilder().select('l.orgId', 'orgId').addSelect('SUM(l.amount)', 'total').from(AdvLedger, 'l').groupBy('l.orgId'),
})
@TenantScoped('orgId')
class AdvLedgerScopedTotals {
  @ViewColumn() orgId!: number
  @ViewColumn() total!: number
}

/** A view over the unscoped view: reads the scoped table through it (found transitively). */
@ViewEntity({
  name: 'adv_ledger_totals_above',
  dependsOn: [AdvLedgerTotals],
  expression: (ds: DataSource) => ds.createQueryBuilder().select('v.orgId', 'orgId').addSelect('v.total', 'total').from(AdvLedgerTotals, 'v').where('v.total > 0'),
})
class AdvLedgerTotalsAbove {
  @ViewColumn() orgId!: number
  @ViewColumn() total!: number
}

/** A plain (updatable) unscoped view of the scoped table: an INSERT through it lands in the table. */
@ViewEntity({
  name: 'adv_ledger_rows',
  expression: (ds: DataSource) => ds.createQueryBuilder().select('l.id', 'id').addSelect('l.orgId', 'orgId').addSelect('l.amount', 'amount').from(AdvLedger, 'l'),
})
class AdvLedgerRows {
  @ViewColumn() id!: number
  @ViewColumn() orgId!: number
  @ViewColumn() amount!: number
}

/** A view entity mapped onto the scoped table itself (no expression, not synchronized). */
@ViewEntity({ name: 'adv_ledger', synchronize: false })
class AdvLedgerReadModel {
  @ViewColumn() id!: number
  @ViewColumn() amount!: number
}

/** An unscoped entity naming the scoped table with a schema (PostgreSQL) or database (MariaDB) prefix. */
function qualifiedReadModel(dialect: TestDialect): Function {
  class AdvLedgerQualified {
    id!: number
    amount!: number
  }
  PrimaryGeneratedColumn()(AdvLedgerQualified.prototype, 'id')
  Column({ type: 'int' })(AdvLedgerQualified.prototype, 'amount')
  Entity(dialect.name === 'postgres' ? { name: 'adv_ledger', schema: 'public', synchronize: false } : { name: 'adv_ledger', database: 'test', synchronize: false })(AdvLedgerQualified)
  return AdvLedgerQualified
}

async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn()
  } catch (error) {
    return error
  }
  return undefined
}

for (const dialect of testDialects()) {
  describe(`adversarial: views and other spellings of a scoped table [${dialect.name}]`, function () {
    this.timeout(60_000)

    it('an unscoped entity naming the scoped table with its schema or database is refused at initialize()', async function () {
      if (dialect.name === 'sqlite') this.skip() // no schema or database prefix on SQLite
      const error = await initializeError(dialect, [AdvLedger, qualifiedReadModel(dialect)])
      expect(error, String(error)).to.be.instanceOf(TenancyConfigurationError)
      expect(String(error)).to.match(/AdvLedger"/).and.match(/AdvLedgerQualified/)
    })

    it('an unscoped view entity named like the scoped table is refused at initialize()', async () => {
      const error = await initializeError(dialect, [AdvLedger, AdvLedgerReadModel])
      expect(error, String(error)).to.be.instanceOf(TenancyConfigurationError)
      expect(String(error)).to.match(/AdvLedgerReadModel/)
    })

    describe('an unscoped view over a scoped table', () => {
      let db: TestDataSource
      before(async () => {
        db = await openTestDataSource(dialect, { entities: [AdvLedger, AdvLedgerTotals, AdvLedgerScopedTotals, AdvLedgerTotalsAbove, AdvLedgerRows] })
        await runWithoutTenant(() => db.dataSource.getRepository(AdvLedger).save([{ orgId: A, amount: 10 }, { orgId: B, amount: 900 }, { orgId: B, amount: 99 }]))
      })
      after(() => db.close())

      it("holds B's totals (precondition, under the bypass)", async () => {
        const rows = await runWithoutTenant(() => db.dataSource.getRepository(AdvLedgerTotals).find({ order: { orgId: 'ASC' } }))
        expect(rows.map((r) => [Number(r.orgId), Number(r.total)])).to.deep.equal([
          [A, 10],
          [B, 999],
        ])
      })

      it('is refused under a tenant with UnfilterableQueryError naming the view and the table, and no SQL is sent', async () => {
        const reads: Array<() => Promise<unknown>> = [
          () => db.dataSource.getRepository(AdvLedgerTotals).find(),
          () => db.dataSource.manager.count(AdvLedgerTotals),
          () => db.dataSource.createQueryBuilder(AdvLedgerTotals, 'v').getRawMany(),
          () => db.dataSource.createQueryBuilder(AdvLedger, 'l').innerJoin(AdvLedgerTotals, 'v', 'v.orgId = l.orgId').getMany(),
          () => db.dataSource.getRepository(AdvLedgerTotalsAbove).find(),
          () => db.dataSource.getRepository(AdvLedgerRows).find(),
          () => db.dataSource.createQueryBuilder().update(AdvLedgerRows).set({ amount: 0 }).where('id > 0').execute(),
        ]
        for (const read of reads) {
          db.logger.clear()
          const error = await failure(() => runWithTenant(A, read))
          expect(error, String(error)).to.be.instanceOf(UnfilterableQueryError)
          expect(String(error)).to.match(/AdvLedger(Totals|TotalsAbove|Rows)"/).and.match(/AdvLedger"/).and.match(/runWithoutTenant/)
          expect(db.logger.statements.filter((q) => /adv_ledger/.test(q.sql))).to.deep.equal([])
        }
      })

      it("a view over that view holds B's totals too, and is found through it (precondition, under the bypass)", async () => {
        const rows = await runWithoutTenant(() => db.dataSource.getRepository(AdvLedgerTotalsAbove).find())
        expect(rows.map((r) => Number(r.orgId)).sort()).to.deep.equal([A, B])
      })

      it('an INSERT through an unscoped view of the scoped table is refused under a tenant and with no context; nothing is written', async () => {
        const before = await runWithoutTenant(() => db.dataSource.getRepository(AdvLedger).count())
        for (const insert of [
          () => runWithTenant(A, () => db.dataSource.createQueryBuilder().insert().into(AdvLedgerRows).values({ orgId: B, amount: 5 }).execute()),
          () => db.dataSource.createQueryBuilder().insert().into(AdvLedgerRows).values({ orgId: B, amount: 5 }).execute(),
        ]) {
          db.logger.clear()
          const error = await failure(insert)
          expect(error, String(error)).to.be.instanceOf(Error)
          expect(error).to.satisfy((e: unknown) => e instanceof UnfilterableQueryError || e instanceof TenantContextMissingError)
          expect(db.logger.statements.filter((q) => /^\s*INSERT/i.test(q.sql))).to.deep.equal([])
        }
        expect(await runWithoutTenant(() => db.dataSource.getRepository(AdvLedger).count())).to.equal(before)
      })

      it("the view's own definition builder, executed, is filtered like any builder (fails closed with no context)", async () => {
        const expression = db.dataSource.getMetadata(AdvLedgerRows).expression as (ds: DataSource) => { getRawMany(): Promise<unknown[]> }
        db.logger.clear()
        const error = await failure(() => expression(db.dataSource).getRawMany())
        expect(error, String(error)).to.be.instanceOf(TenantContextMissingError)
        expect(db.logger.statements.filter((q) => /adv_ledger/.test(q.sql))).to.deep.equal([])
        const rows = await runWithTenant(A, () => expression(db.dataSource).getRawMany())
        expect(rows).to.have.length(1)
      })

      it('fails closed with no tenant in context', async () => {
        db.logger.clear()
        const error = await failure(() => db.dataSource.getRepository(AdvLedgerTotals).find())
        expect(error, String(error)).to.be.instanceOf(TenantContextMissingError)
        expect(db.logger.statements.filter((q) => /adv_ledger/.test(q.sql))).to.deep.equal([])
      })

      it('the same view @TenantScoped shows A only its own total, with the tenant condition in the SQL', async () => {
        expect(await runWithoutTenant(() => db.dataSource.getRepository(AdvLedgerScopedTotals).count())).to.equal(2)
        db.logger.clear()
        const rows = await runWithTenant(A, () => db.dataSource.getRepository(AdvLedgerScopedTotals).find())
        expect(rows.map((r) => [Number(r.orgId), Number(r.total)])).to.deep.equal([[A, 10]])
        expect(db.logger.last(/adv_ledger_scoped_totals/).sql).to.match(/"orgId" = (\$1|1)\b/)
      })
    })
  })
}

describe('adversarial: the view scan finds a scoped table however the expression spells it', () => {
  const scope = { kind: 'entity', name: 'AdvLedger' } as unknown as Scope
  const lookup = (name: string): Scope | undefined => (tableNameKey(name) === 'adv_ledger' ? scope : undefined)
  const view = (expression: string) => ({ expression, name: 'V' }) as unknown as EntityMetadata
  const bypass = <R>(fn: () => R): R => fn()
  const spellings: Array<[string, string]> = [
    ['a plain name', 'SELECT l.id FROM adv_ledger l'],
    ['a schema-qualified quoted name', 'SELECT l.id FROM "tenancy_x"."adv_ledger" l'],
    ['a PostgreSQL U& identifier', 'SELECT l.id FROM "tenancy_x".U&"adv\\005fledger" l'],
    ['a PostgreSQL U& identifier with UESCAPE', "SELECT l.id FROM U&\"adv!005fledger\" UESCAPE '!' l"],
    ['SQL inside a string literal a function runs', "SELECT * FROM xmltable('/row' PASSING query_to_xml('select id from adv_ledger', true, false, '') COLUMNS id int)"],
    ['a MySQL executable comment', 'SELECT l.id FROM /*! adv_ledger */ l'],
    ['a MySQL backslash-escaped literal before the name', "SELECT 'x\\'' AS pad, l.id FROM adv_ledger l WHERE 'a' <> 'b\\''"],
    ['backticks', 'SELECT l.id FROM `adv_ledger` l'],
  ]
  for (const [name, expression] of spellings) {
    it(name, () => {
      expect(scopedTableReadByView(view(expression), lookup, bypass)).to.equal(scope)
    })
  }
  it('a view over other tables only is not flagged', () => {
    expect(scopedTableReadByView(view("SELECT n.id, 'ledger' AS kind FROM newsfeed n"), lookup, bypass)).to.equal(undefined)
  })
})
