import { expect } from 'chai'
import { Column, Entity, PrimaryGeneratedColumn, VirtualColumn } from 'typeorm'
import { currentTenant, runWithTenant, runWithoutTenant, TenantScoped } from '../../lib'
import { A, B } from '../fixtures/support-desk-model'
import { describeEachDialect, rawParameter, tablePath } from '../support/test-database'

// set from the suite's DataSource (the query functions run at query time): the table and identifiers as its driver spells them
let table = '"virtual_note"'
let q = (name: string): string => `"${name}"`

@Entity()
@TenantScoped('organizationId')
class VirtualNote {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() topic!: string
  /** Raw SQL: the filter cannot see into it, so it counts every tenant's notes on the topic. */
  @VirtualColumn({ query: (alias) => `SELECT COUNT(*) FROM ${table} n WHERE n.${q('topic')} = ${alias}.${q('topic')}` })
  sameTopicUnfiltered!: string
  /** The documented fix: the tenant condition written into the subquery. */
  @VirtualColumn({ query: (alias) => `SELECT COUNT(*) FROM ${table} n WHERE n.${q('topic')} = ${alias}.${q('topic')} AND n.${q('organizationId')} = ${alias}.${q('organizationId')}` })
  sameTopic!: string
}

/**
 * Documents what the query filter cannot see (README "What the filter cannot see"): these specs pin the
 * behaviour so a change is noticed, and show the workaround.
 */
describeEachDialect('what the filter cannot see', { entities: [VirtualNote] }, (db) => {
  const ds = () => db().dataSource
  before(async () => {
    table = tablePath(ds(), 'virtual_note')
    q = (name) => ds().driver.escape(name)
    await runWithoutTenant(() =>
      ds().manager.insert(VirtualNote, [
        { organizationId: A, topic: 'billing' },
        { organizationId: B, topic: 'billing' },
        { organizationId: B, topic: 'billing' },
      ]),
    )
  })

  it('raw query() is never filtered: it returns every tenant\'s rows, even inside runWithTenant', async () => {
    const raw = await runWithTenant(A, () => ds().query(`SELECT ${q('organizationId')} FROM ${table}`))
    expect((raw as Array<{ organizationId: number }>).map((r) => r.organizationId).sort()).to.deep.equal([A, B, B])
    // the workaround: write the condition yourself with currentTenant()
    const own = await runWithTenant(A, () => ds().query(`SELECT ${q('organizationId')} FROM ${table} WHERE ${q('organizationId')} = ${rawParameter(ds(), 0)}`, [currentTenant()]))
    expect(own).to.deep.equal([{ organizationId: A }])
  })

  it('@VirtualColumn subqueries are raw SQL: unfiltered unless the condition is written into them', async () => {
    const notes = await runWithTenant(A, () => ds().getRepository(VirtualNote).find())
    expect(notes.map((n) => n.organizationId)).to.deep.equal([A]) // the entity rows themselves are filtered
    expect(Number(notes[0]!.sameTopicUnfiltered)).to.equal(3) // leaks a count of B's rows
    expect(Number(notes[0]!.sameTopic)).to.equal(1)
  })
})
