import { expect } from 'chai'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { expectRefused, rawRows, sqlRe } from './write-helpers'
import { A, B, WriteComment, WriteLabel, WriteTicket, writeEntities } from './write-model'

describeEachDialect('Writes: relation links are checked on both ends', { entities: writeEntities }, (db) => {
  let ownTicket: WriteTicket
  let foreignTicket: WriteTicket
  let ownLabel: WriteLabel
  let foreignLabel: WriteLabel
  let ownComment: WriteComment
  let foreignComment: WriteComment
  let before_: string

  const junction = () => db().dataSource.getMetadata(WriteTicket).findRelationWithPropertyPath('labels')!.junctionEntityMetadata!.tableName
  const everything = async () =>
    JSON.stringify([
      await rawRows(db().dataSource, 'write_ticket'),
      await rawRows(db().dataSource, 'write_comment'),
      await rawRows(db().dataSource, 'write_label'),
      await rawRows(db().dataSource, junction(), 'writeTicketId'),
    ])

  before(async () => {
    await runWithoutTenant(async () => {
      const m = db().dataSource.manager
      ownTicket = await m.save(WriteTicket, { organizationId: A, title: 'A ticket' })
      foreignTicket = await m.save(WriteTicket, { organizationId: B, title: 'B ticket' })
      ownLabel = await m.save(WriteLabel, { organizationId: A, name: 'A label' })
      foreignLabel = await m.save(WriteLabel, { organizationId: B, name: 'B label' })
      ownComment = await m.save(WriteComment, { organizationId: A, body: 'A comment' })
      foreignComment = await m.save(WriteComment, { organizationId: B, body: 'B comment', ticket: foreignTicket })
      await m.createQueryBuilder().relation(WriteTicket, 'labels').of(foreignTicket).add(foreignLabel)
    })
  })

  beforeEach(async () => {
    before_ = await everything()
  })

  it('the other tenant has rows and a link (precondition)', async () => {
    const links = await rawRows(db().dataSource, junction(), 'writeTicketId')
    expect(links).to.deep.equal([{ writeTicketId: foreignTicket.id, writeLabelId: foreignLabel.id }])
  })

  const refusedLinks: Array<[string, () => Promise<unknown>]> = [
    ['many-to-many add() of a foreign label', () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'labels').of(ownTicket).add(foreignLabel.id)],
    ['many-to-many add() to a foreign ticket', () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'labels').of(foreignTicket.id).add(ownLabel)],
    ['many-to-many add() of many ids, one foreign', () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'labels').of(ownTicket).add([ownLabel.id, foreignLabel.id])],
    ['many-to-many remove() of a foreign label', () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'labels').of(foreignTicket).remove(foreignLabel)],
    ['many-to-many addAndRemove()', () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'labels').of(ownTicket).addAndRemove([foreignLabel.id], [])],
    ['many-to-many from the inverse side', () => db().dataSource.createQueryBuilder().relation(WriteLabel, 'tickets').of(ownLabel).add(foreignTicket.id)],
    ['one-to-many add() of a foreign comment', () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'comments').of(ownTicket).add(foreignComment.id)],
    ['one-to-many add() to a foreign ticket', () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'comments').of(foreignTicket).add(ownComment.id)],
    ['one-to-many remove() of a foreign comment (would unlink it)', () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'comments').of(foreignTicket).remove(foreignComment.id)],
    ['one-to-many remove() from the own ticket of a foreign comment', () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'comments').of(ownTicket).remove(foreignComment)],
    ['many-to-one set() to a foreign ticket', () => db().dataSource.createQueryBuilder().relation(WriteComment, 'ticket').of(ownComment).set(foreignTicket.id)],
    ['save() of a ticket with a foreign label', () => db().dataSource.getRepository(WriteTicket).save({ ...ownTicket, labels: [foreignLabel] })],
    ['save() of a label linking a foreign ticket (no cascade: only the junction row)', () => db().dataSource.getRepository(WriteLabel).save({ ...ownLabel, tickets: [{ id: foreignTicket.id } as WriteTicket] })],
    ['save() of a new ticket with a foreign label id', () => db().dataSource.getRepository(WriteTicket).save({ title: 'new', labels: [{ id: foreignLabel.id } as WriteLabel] })],
    ['save() of a comment pointing at a foreign ticket', () => db().dataSource.getRepository(WriteComment).save({ body: 'new', ticket: { id: foreignTicket.id } as WriteTicket })],
    ['insert() of a comment with a foreign ticketId', () => db().dataSource.getRepository(WriteComment).insert({ body: 'new', ticketId: foreignTicket.id })],
    ['update() of a comment to a foreign ticketId', () => db().dataSource.getRepository(WriteComment).update(ownComment.id, { ticketId: foreignTicket.id })],
    ['a QueryBuilder insert into the junction table', () => db().dataSource.createQueryBuilder().insert().into(junction()).values({ writeTicketId: ownTicket.id, writeLabelId: foreignLabel.id }).execute()],
  ]
  for (const [name, write] of refusedLinks) {
    it(`refuses ${name}; nothing is linked or changed`, async () => {
      const error = await expectRefused(db().logger, () => runWithTenant(A, write))
      expect(error).to.be.instanceOf(CrossTenantWriteError)
      expect(await everything()).to.equal(before_)
    })
  }

  it('a missing id is refused exactly like a foreign one', async () => {
    const foreign = await expectRefused(db().logger, () => runWithTenant(A, () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'labels').of(ownTicket).add(foreignLabel.id)))
    const missing = await expectRefused(db().logger, () => runWithTenant(A, () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'labels').of(ownTicket).add(987654)))
    expect(foreign.message).to.equal(missing.message)
  })

  it('links within the tenant still work, and the check is a filtered SELECT', async () => {
    db().logger.clear()
    await runWithTenant(A, async () => {
      await db().dataSource.createQueryBuilder().relation(WriteTicket, 'labels').of(ownTicket).add(ownLabel)
      await db().dataSource.createQueryBuilder().relation(WriteTicket, 'comments').of(ownTicket).add(ownComment)
      await db().dataSource.getRepository(WriteTicket).save({ title: 'A second', labels: [ownLabel], comments: [{ body: 'A cascaded' }] } as Partial<WriteTicket>)
    })
    const check = db().logger.last(/"tenancy_ref"/)
    expect(check.sql).to.match(sqlRe('"tenancy_ref"\\."organizationId" = $P'))
    const links = await rawRows(db().dataSource, junction(), 'writeTicketId')
    expect(links.filter((l) => l['writeLabelId'] === ownLabel.id)).to.have.length(2)
    const comment = (await rawRows(db().dataSource, 'write_comment')).find((r) => r['id'] === ownComment.id)!
    expect(comment['ticketId']).to.equal(ownTicket.id)
    await runWithTenant(A, () => db().dataSource.createQueryBuilder().relation(WriteTicket, 'labels').of(ownTicket).remove(ownLabel))
  })

  it('inside runWithoutTenant links are not checked', async () => {
    await runWithoutTenant(() => db().dataSource.createQueryBuilder().relation(WriteTicket, 'labels').of(foreignTicket).remove(foreignLabel))
    await runWithoutTenant(() => db().dataSource.createQueryBuilder().relation(WriteTicket, 'labels').of(foreignTicket).add(foreignLabel))
  })
})
