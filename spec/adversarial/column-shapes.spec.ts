import { expect } from 'chai'
import { ChildEntity, Column, Entity, JoinTable, ManyToMany, PrimaryGeneratedColumn, TableInheritance } from 'typeorm'
import { runWithTenant, runWithoutTenant, TenancyError, TenantScoped } from '../../lib'
import { expectTenantTerm } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'
import { A, B } from './adversarial-model'

class AdvOwnership {
  @Column() orgId!: number
  @Column({ default: 'owner' }) role!: string
}

/** The tenant column lives in an embedded object. */
@Entity('adv_asset')
@TenantScoped('owner.orgId')
class AdvAsset {
  @PrimaryGeneratedColumn() id!: number
  @Column(() => AdvOwnership) owner!: AdvOwnership
  @Column() name!: string
  @ManyToMany(() => AdvLabel) @JoinTable({ name: 'adv_asset_label' }) labels!: AdvLabel[]
}

@Entity('adv_label')
@TenantScoped('orgId')
class AdvLabel {
  @PrimaryGeneratedColumn() id!: number
  @Column() orgId!: number
  @Column() text!: string
}

/** Single-table inheritance, scoped on the parent: every child inherits the scope. */
@Entity('adv_account')
@TableInheritance({ column: { type: 'varchar', name: 'kind' } })
@TenantScoped('orgId')
class AdvAccount {
  @PrimaryGeneratedColumn() id!: number
  @Column() orgId!: number
  @Column() name!: string
}

@ChildEntity('premium')
class AdvPremiumAccount extends AdvAccount {
  @Column({ nullable: true }) tier!: string
}

describeEachDialect('adversarial: tenant column shapes', { entities: [AdvAsset, AdvLabel, AdvAccount, AdvPremiumAccount] }, (db) => {
  const ds = () => db().dataSource
  before(async () => {
    await runWithoutTenant(async () => {
      const [la, lb] = await ds().getRepository(AdvLabel).save([{ orgId: A, text: 'A label' }, { orgId: B, text: 'B label' }])
      // a B label planted on an A asset
      await ds().getRepository(AdvAsset).save([
        { owner: { orgId: A, role: 'owner' }, name: 'A asset', labels: [la!, lb!] },
        { owner: { orgId: B, role: 'owner' }, name: 'B asset', labels: [lb!] },
      ])
      await ds().getRepository(AdvPremiumAccount).save([{ orgId: A, name: 'A premium', tier: 'gold' }, { orgId: B, name: 'B premium', tier: 'gold' }])
      await ds().getRepository(AdvAccount).save([{ orgId: A, name: 'A basic' }, { orgId: B, name: 'B basic' }])
    })
  })

  it('B has rows of every shape', async () => {
    const names = await runWithoutTenant(async () => [
      ...(await ds().getRepository(AdvAsset).find()).map((a) => a.name),
      ...(await ds().getRepository(AdvAccount).find()).map((a) => a.name),
    ])
    expect(names).to.include.members(['B asset', 'B premium', 'B basic'])
  })

  it('an embedded tenant column filters reads, joins and the junction table read by its name', async () => {
    const assets = await runWithTenant(A, () => ds().getRepository(AdvAsset).find({ relations: { labels: true } }))
    expect(assets.map((a) => a.name)).to.deep.equal(['A asset'])
    expect(assets[0]!.labels.map((l) => l.text)).to.deep.equal(['A label'])
    const sent = db().logger.last(/adv_asset/)
    expectTenantTerm(sent, A, /"ownerOrgid"/.test(sent.sql) ? 'ownerOrgid' : 'ownerOrgId', 'AdvAsset')

    const links = await runWithTenant(A, () => ds().createQueryBuilder().select('j.*').from('adv_asset_label', 'j').getRawMany())
    expect(links).to.have.length(1)
    const viaWhere = await runWithTenant(A, () => ds().getRepository(AdvAsset).find({ where: { owner: { orgId: B } } }))
    expect(viaWhere).to.deep.equal([])
  })

  it('the junction table by its name: no link to a B label can be inserted, and B\'s links cannot be deleted', async () => {
    const junction = ds().getMetadata('adv_asset_label')
    const [docColumn, labelColumn] = junction.columns.map((c) => c.databaseName)
    const { aAsset, bAsset, bLabel } = await runWithoutTenant(async () => ({
      aAsset: (await ds().getRepository(AdvAsset).findOneByOrFail({ name: 'A asset' })).id,
      bAsset: (await ds().getRepository(AdvAsset).findOneByOrFail({ name: 'B asset' })).id,
      bLabel: (await ds().getRepository(AdvLabel).findOneByOrFail({ text: 'B label' })).id,
    }))
    const links = (): Promise<unknown[]> => runWithoutTenant(() => ds().createQueryBuilder().select('j.*').from('adv_asset_label', 'j').orderBy('1').getRawMany())
    const before = JSON.stringify(await links())
    expect(before).to.include(`${bAsset}`)
    const attacks: Array<() => Promise<unknown>> = [
      () => ds().createQueryBuilder().insert().into('adv_asset_label').values({ [docColumn!]: aAsset, [labelColumn!]: bLabel }).execute(),
      () => ds().createQueryBuilder().relation(AdvAsset, 'labels').of(aAsset).add(bLabel),
      () => ds().createQueryBuilder().delete().from('adv_asset_label').where(`"${docColumn}" = :id OR 1=1`, { id: bAsset }).execute(),
    ]
    for (const attack of attacks) {
      try {
        await runWithTenant(A, attack)
      } catch (error) {
        expect(error).to.be.instanceOf(TenancyError)
      }
    }
    const after = (await links()) as Array<Record<string, number>>
    expect(after.filter((l) => l[docColumn!] === bAsset || l[labelColumn!] === bLabel).length).to.equal(
      (JSON.parse(before) as Array<Record<string, number>>).filter((l) => l[docColumn!] === bAsset || l[labelColumn!] === bLabel).length,
    )
  })

  it('single-table inheritance scoped on the parent: parent and child queries are both filtered', async () => {
    const all = await runWithTenant(A, () => ds().getRepository(AdvAccount).find())
    expect(all.map((a) => a.name).sort()).to.deep.equal(['A basic', 'A premium'])
    const premium = await runWithTenant(A, () => ds().getRepository(AdvPremiumAccount).find())
    expect(premium.map((a) => a.name)).to.deep.equal(['A premium'])
    const byTable = await runWithTenant(A, () => ds().createQueryBuilder().select('x.name', 'name').from('adv_account', 'x').getRawMany<{ name: string }>())
    expect(byTable.map((r) => r.name).sort()).to.deep.equal(['A basic', 'A premium'])
  })

  it('a numeric string tenant on an integer column is the same tenant', async () => {
    const rows = await runWithTenant(String(A), () => ds().getRepository(AdvAccount).find())
    expect(rows.map((a) => a.orgId).every((o) => o === A)).to.equal(true)
    expect(rows).to.have.length(2)
  })
})
