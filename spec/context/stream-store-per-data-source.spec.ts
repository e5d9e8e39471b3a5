import { EventEmitter } from 'node:events'
import { expect } from 'chai'
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm'
import { createClsHookedStore, runWithTenant, runWithoutTenant, TenantScoped } from '../../lib'
import { openTestDataSource, testDialects, type TestDataSource } from '../support/test-database'

/**
 * FIXED (seventh adversarial round, HIGH): the stream wrapper is installed once per driver's QueryRunner
 * prototype, which every DataSource of that driver shares; it read the context from the store of the DataSource
 * installed first. A second DataSource on another store (cls-hooked, with a bound emitter fired from tenant B's
 * flow) opened a stream inside tenant A's listener and its events ran as B. Each stream now reads its own
 * DataSource's store.
 */
@Entity('sp_note')
@TenantScoped('organizationId')
class SpNote {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() body!: string
}

@Entity('sp_board')
class SpBoard {
  @PrimaryGeneratedColumn() id!: number
  @Column() name!: string
}

for (const dialect of testDialects()) {
  describe(`streams read their own DataSource's store when DataSources of one driver use different stores [${dialect.name}]`, function () {
    this.timeout(60_000)
    let first: TestDataSource
    let second: TestDataSource
    const cls = createClsHookedStore()

    before(async function () {
      if (!dialect.streams) this.skip()
      first = await openTestDataSource(dialect, { entities: [SpNote, SpBoard] })
      second = await openTestDataSource(dialect, { entities: [SpNote, SpBoard], tenancy: { store: cls } })
      await runWithoutTenant(async () => {
        await second.dataSource.getRepository(SpNote).save([{ organizationId: 1, body: 'A own' }, { organizationId: 2, body: 'B secret' }])
        await second.dataSource.getRepository(SpBoard).save({ name: 'wall' })
      })
    })
    after(async () => {
      await second?.close()
      await first?.close()
    })

    it("B's note exists (precondition); a stream opened in A's bound listener reads only A's notes", async () => {
      expect((await runWithoutTenant(() => second.dataSource.getRepository(SpNote).find())).map((n) => n.body).sort()).to.deep.equal(['A own', 'B secret'])
      const emitter = new EventEmitter()
      const read = new Promise<string[]>((resolve, reject) => {
        runWithTenant(1, () => {
          cls.bindEmitter(emitter) // tenant 1's request binds its emitter (README: emitters fired outside the request)
          emitter.on('go', () => {
            second.dataSource
              .getRepository(SpBoard)
              .createQueryBuilder('b')
              .stream()
              .then((stream) => stream.on('data', () => void second.dataSource.getRepository(SpNote).find().then((rows) => resolve(rows.map((n) => n.body)), reject)), reject)
          })
        })
      })
      await runWithTenant(2, async () => {
        emitter.emit('go') // fired from tenant 2's flow
      })
      expect(await read).to.deep.equal(['A own'])
    })
  })
}
