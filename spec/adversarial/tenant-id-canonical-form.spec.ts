import { expect } from 'chai'
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm'
import { InvalidTenantIdError, runWithTenant, runWithoutTenant, TenantScoped } from '../../lib'
import { describeEachDialect } from '../support/test-database'

/**
 * Regression (found by the adversarial review, fixed in the failsafe's tenant comparison): a tenant id that
 * the database treats as equal to the tenant's canonical id but whose text differs ('01' on an integer
 * column, an upper-case UUID on a uuid column) matched the tenant's rows in SQL, then the failsafe compared
 * the text, stripped the tenant's own rows and raised a false leak alarm. Either refusing such an id with
 * InvalidTenantIdError or returning the tenant's own rows is correct; stripping them is not.
 */
@Entity('adv_locker')
@TenantScoped('tenant')
class AdvLocker {
  @PrimaryGeneratedColumn() id!: number
  @Column('uuid') tenant!: string
  @Column() item!: string
}

@Entity('adv_counter')
@TenantScoped('orgId')
class AdvCounter {
  @PrimaryGeneratedColumn() id!: number
  @Column() orgId!: number
  @Column() item!: string
}

const UA = '00000000-0000-4000-8000-00000000000a'

describeEachDialect('adversarial: tenant ids in a non-canonical spelling', { entities: [AdvLocker, AdvCounter] }, (db) => {
  before(async () => {
    await runWithoutTenant(async () => {
      await db().dataSource.getRepository(AdvLocker).save([{ tenant: UA, item: 'A item' }, { tenant: '00000000-0000-4000-8000-00000000000b', item: 'B item' }])
      await db().dataSource.getRepository(AdvCounter).save([{ orgId: 1, item: 'A item' }, { orgId: 2, item: 'B item' }])
    })
  })

  /** Either refused as invalid, or the tenant's own rows, unstripped. */
  async function expectRefusedOrOwnRows(run: () => Promise<Array<{ item: string }>>): Promise<void> {
    let rows: Array<{ item: string }> | undefined
    try {
      rows = await run()
    } catch (error) {
      expect(error).to.be.instanceOf(InvalidTenantIdError)
      return
    }
    expect(rows.map((r) => r.item)).to.deep.equal(['A item'])
  }

  it('an upper-case uuid', async function () {
    const find = () => runWithTenant(UA.toUpperCase(), () => db().dataSource.getRepository(AdvLocker).find())
    if (db().dialect.name !== 'sqlite') return expectRefusedOrOwnRows(find)
    // SQLite has no uuid type: the column is text, compared case-sensitively, so the upper-case spelling is
    // another string than A's stored id; it must still not reach anyone's rows (refused, or nothing)
    let rows: Array<{ item: string }> | undefined
    try {
      rows = await find()
    } catch (error) {
      expect(error).to.be.instanceOf(InvalidTenantIdError)
      return
    }
    expect(rows).to.deep.equal([])
  })

  it("'01' on an integer column", async () => {
    await expectRefusedOrOwnRows(() => runWithTenant('01', () => db().dataSource.getRepository(AdvCounter).find()))
  })

  // FIXED (fifth adversarial round): MySQL/MariaDB rounds a non-integer id for an integer column when it stamps an
  // insert ('2.4' and 1.6 became tenant 2, 1e-7 tenant 1) while the read filter matched nothing: another tenant's
  // rows were created. A non-integer id on an integer tenant column is now refused before any SQL.
  for (const id of ['2.4', 1.6, 1e-7, '1.0']) {
    it(`${JSON.stringify(id)} on an integer column is refused for reads and writes before any SQL; nothing is written`, async () => {
      const before = await runWithoutTenant(() => db().dataSource.getRepository(AdvCounter).count())
      const attempts: Array<() => Promise<unknown>> = [
        () => db().dataSource.getRepository(AdvCounter).save({ item: `by ${String(id)}` }),
        () => db().dataSource.getRepository(AdvCounter).insert({ item: `by ${String(id)}` }),
        () => db().dataSource.getRepository(AdvCounter).find(),
      ]
      for (const write of attempts) {
        db().logger.clear()
        let error: unknown
        await runWithTenant(id, write).catch((e: unknown) => (error = e))
        expect(error, String(error)).to.be.instanceOf(InvalidTenantIdError)
        expect(String(error)).to.match(/an integer column/)
        expect(db().logger.statements.filter((q) => /adv_counter/.test(q.sql))).to.deep.equal([])
      }
      expect(await runWithoutTenant(() => db().dataSource.getRepository(AdvCounter).count())).to.equal(before)
    })
  }
})
