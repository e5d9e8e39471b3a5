import { expect } from 'chai'
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm'
import { runWithTenant, runWithoutTenant, TenantScoped } from '../../lib'
import { runtimeOf } from '../../lib/install/runtime-registry'
import { tenantValue } from '../../lib/failsafe/tenant-verdict'
import { describeEachDialect } from '../support/test-database'

/**
 * The failsafe reads the tenant of a loaded row without TypeORM's accessor where it can (one property read). For a
 * tenant column that is also a relation's foreign key, TypeORM's `getEntityValue` prefers the loaded relation's key
 * over the column's own property; the direct read must give what it gives, in every shape a row can have.
 */
@Entity('tv_org')
class TvOrg {
  @PrimaryGeneratedColumn() id!: number
  @Column() name!: string
}

@Entity('tv_ticket')
@TenantScoped('orgId')
class TvTicket {
  @PrimaryGeneratedColumn() id!: number
  @Column() orgId!: number
  @ManyToOne(() => TvOrg, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'orgId' })
  org?: TvOrg | null
  @Column() title!: string
}

describeEachDialect('the failsafe reads a foreign-key tenant column as TypeORM does', { entities: [TvOrg, TvTicket] }, (db) => {
  const ds = () => db().dataSource

  it('gives getEntityValue\'s answer for loaded rows, with and without the relation, and for odd shapes', async () => {
    await runWithoutTenant(async () => {
      await ds().getRepository(TvOrg).save([{ name: 'one' }, { name: 'two' }])
      await ds().getRepository(TvTicket).save({ orgId: 1, title: 't' })
    })
    const scope = runtimeOf(ds())!.entityScopeOf(ds().getMetadata(TvTicket))!
    expect(scope.column.relationMetadata, 'the tenant column is the relation\'s foreign key').to.not.equal(undefined)
    const loaded = await runWithTenant(1, async () => [
      ...(await ds().getRepository(TvTicket).find()),
      ...(await ds().getRepository(TvTicket).find({ relations: { org: true } })),
    ])
    const org2 = Object.assign(new TvOrg(), { id: 2, name: 'two' })
    const shapes: object[] = [
      ...loaded,
      Object.assign(new TvTicket(), { orgId: 1, org: org2 }), // the loaded relation wins in TypeORM
      Object.assign(new TvTicket(), { orgId: 1, org: { id: 2 } }), // a plain object, not an entity
      Object.assign(new TvTicket(), { orgId: 1, org: null }),
      Object.assign(new TvTicket(), { org: org2 }),
      Object.assign(new TvTicket(), { orgId: '1' }),
      Object.assign(new TvTicket(), { title: 'no tenant loaded' }),
    ]
    expect(loaded.map((t) => t.orgId)).to.deep.equal([1, 1])
    for (const row of shapes) expect(tenantValue(scope, row), JSON.stringify(row)).to.equal(scope.column.getEntityValue(row))
  })
})
