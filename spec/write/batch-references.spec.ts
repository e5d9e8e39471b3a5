import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { Column, Entity, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm'
import { CrossTenantWriteError, runWithTenant, runWithoutTenant, TenantScoped } from '../../lib'
import { describeEachDialect } from '../support/test-database'
import { expectRefused, rawRows, tenantSnapshot, writesSent } from './write-helpers'
import { A, B } from './write-model'

/** A folder whose key the app assigns (so a new folder can be referenced before it is written). */
@Entity()
@TenantScoped('organizationId')
class BatchFolder {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string
  @Column() organizationId!: number
  @Column() name!: string
}

@Entity()
@TenantScoped('organizationId')
class BatchFile {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() name!: string
  @ManyToOne(() => BatchFolder, { cascade: true, nullable: true }) folder!: BatchFolder | null
  @Column({ type: 'varchar', length: 36, nullable: true }) folderId!: string | null
}

interface PgClientInternals {
  _queryQueue: Array<{ text?: string }>
  _activeQuery: { text?: string } | null | undefined
}

/**
 * Records every pg query sent while another query is in flight on the same client (what pg 8.19+ reports
 * with "Calling client.query() when the client is already executing a query"), with the queries involved.
 */
function overlapRecorder(): { overlaps: string[][]; restore(): void } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pg = require('pg') as { Client: { prototype: Record<string, unknown> } }
  const original = pg.Client.prototype['query'] as (this: PgClientInternals, ...args: unknown[]) => unknown
  const overlaps: string[][] = []
  pg.Client.prototype['query'] = function (this: PgClientInternals, ...args: unknown[]) {
    const busy = [this._activeQuery, ...this._queryQueue].filter((q) => q != null).map((q) => String(q!.text))
    if (busy.length > 0) overlaps.push([String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text), ...busy])
    return original.apply(this, args)
  }
  return { overlaps, restore: () => void (pg.Client.prototype['query'] = original) }
}

/**
 * save()/remove() batches: the foreign keys a batch writes are checked before its first statement, one query
 * after the other on the batch's connection (TypeORM runs update subjects in parallel; the guard's own checks
 * must not, or pg reports concurrent queries on one client and a refused key could follow written rows).
 */
describeEachDialect('Writes: a save() batch checks its foreign keys first, one query at a time', { entities: [BatchFolder, BatchFile] }, (db) => {
  let ownFolder: BatchFolder
  let otherOwnFolder: BatchFolder
  let foreignFolder: BatchFolder
  let files: BatchFile[]
  let bSnapshot: string
  let recorder: ReturnType<typeof overlapRecorder> | undefined

  before(async () => {
    const m = db().dataSource.manager
    await runWithoutTenant(async () => {
      const folders = await m.save(BatchFolder, [
        { id: randomUUID(), organizationId: A, name: 'A one' },
        { id: randomUUID(), organizationId: A, name: 'A two' },
        { id: randomUUID(), organizationId: B, name: 'B secret' },
      ])
      ;[ownFolder, otherOwnFolder, foreignFolder] = folders as [BatchFolder, BatchFolder, BatchFolder]
      files = await m.save(BatchFile, [1, 2, 3].map((n) => ({ organizationId: A, name: `A file ${n}`, folderId: ownFolder.id })))
    })
    bSnapshot = await tenantSnapshot(db().dataSource, 'batch_folder', B)
    if (db().dialect.name === 'postgres' && db().dialect.engine !== 'embedded') recorder = overlapRecorder()
  })
  after(() => recorder?.restore())
  beforeEach(() => {
    if (recorder) recorder.overlaps.length = 0
  })
  afterEach(async () => {
    expect(await tenantSnapshot(db().dataSource, 'batch_folder', B)).to.equal(bSnapshot)
    // no query of the guard ever ran while another query was in flight on the same connection
    const guard = (recorder?.overlaps ?? []).filter((queries) => queries.some((sql) => sql.includes('"tenancy_ref"')))
    if (process.env['DEBUG_OVERLAPS']) console.log(JSON.stringify(recorder?.overlaps, null, 1))
    expect(guard, JSON.stringify(guard, null, 1)).to.deep.equal([])
  })

  const folderOf = async (id: number) => (await rawRows(db().dataSource, 'batch_file')).find((r) => r['id'] === id)!['folderId']

  it('the other tenant has a folder (precondition)', async () => {
    expect((await rawRows(db().dataSource, 'batch_folder')).some((r) => r['organizationId'] === B)).to.equal(true)
  })

  it('re-pointing several rows: one check query, sent before the first UPDATE', async () => {
    db().logger.clear()
    await runWithTenant(A, () => db().dataSource.getRepository(BatchFile).save(files.map((f) => ({ ...f, folderId: otherOwnFolder.id }))))
    const sql = db().logger.statements.map((q) => q.sql)
    const checks = sql.flatMap((s, i) => (s.includes('tenancy_ref') ? [i] : []))
    const firstUpdate = sql.findIndex((s) => /^\s*UPDATE/i.test(s))
    expect(checks, sql.join('\n')).to.have.length(1)
    expect(firstUpdate).to.be.greaterThan(checks[0]!)
    for (const f of files) expect(await folderOf(f.id)).to.equal(otherOwnFolder.id)
  })

  for (const transaction of [true, false]) {
    it(`one foreign key among several rows (transaction: ${transaction}): refused before any UPDATE, nothing changed`, async () => {
      const before = await Promise.all(files.map((f) => folderOf(f.id)))
      const batch = files.map((f, i) => ({ ...f, folderId: i === files.length - 1 ? foreignFolder.id : ownFolder.id }))
      const error = await expectRefused(db().logger, () => runWithTenant(A, () => db().dataSource.getRepository(BatchFile).save(batch, { transaction })))
      expect(error.message).to.include('"BatchFolder"')
      expect(await Promise.all(files.map((f) => folderOf(f.id)))).to.deep.equal(before)
    })
  }

  it('a new row pointing at a folder the same batch inserts (app-assigned key) is accepted and stamped', async () => {
    const id = randomUUID()
    db().logger.clear()
    const file = await runWithTenant(A, () => db().dataSource.getRepository(BatchFile).save({ name: 'with new folder', folder: { id, name: 'new A folder' } as BatchFolder }))
    expect(writesSent(db().logger)).to.have.length(2)
    const folder = (await rawRows(db().dataSource, 'batch_folder')).find((r) => r['id'] === id)!
    expect(folder['organizationId']).to.equal(A)
    expect(await folderOf(file.id)).to.equal(id)
  })

  it('an existing row re-pointed at a folder the same batch inserts is accepted', async () => {
    const id = randomUUID()
    await runWithTenant(A, () => db().dataSource.getRepository(BatchFile).save({ ...files[1]!, folder: { id, name: 'another new A folder' } as BatchFolder }))
    expect(await folderOf(files[1]!.id)).to.equal(id)
  })

  it('the error is a CrossTenantWriteError naming the written entity', async () => {
    const error = await expectRefused(db().logger, () => runWithTenant(A, () => db().dataSource.getRepository(BatchFile).save({ ...files[0]!, folderId: foreignFolder.id })))
    expect(error).to.be.instanceOf(CrossTenantWriteError)
    expect(error.message).to.include('"BatchFile"')
  })
})
