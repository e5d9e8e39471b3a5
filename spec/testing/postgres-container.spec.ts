import { expect } from 'chai'
import { DataSource } from 'typeorm'
import { TestingKitError, startPostgresContainer } from '../../lib/testing'
import { adoptProjectImage, dockerAnswers } from '../support/dialects/docker-engine'

/**
 * typeorm-tenancy/testing's container helper against a real Docker engine; skipped (and says so) when none
 * answers. On a machine without a registry, set TENANCY_TEST_POSTGRES_LOCAL_IMAGE (see README).
 */
describe('typeorm-tenancy/testing: startPostgresContainer', function () {
  this.timeout(180_000)

  before(async function () {
    if (!(await dockerAnswers())) {
      console.log('    (no Docker engine answers: the container helper is not exercised in this run)')
      this.skip()
    }
    await adoptProjectImage()
  })

  it('starts PostgreSQL, returns DataSource options that connect, and removes the container on stop()', async () => {
    const pg = await startPostgresContainer({ database: 'kit', username: 'kit_user', password: 'kit-secret' })
    try {
      expect(pg.options).to.include({ type: 'postgres', database: 'kit', username: 'kit_user', password: 'kit-secret' })
      expect(pg.options.port).to.not.be.oneOf([5432, 3306])
      const dataSource = new DataSource({ ...pg.options })
      await dataSource.initialize()
      const [row] = (await dataSource.query('SELECT current_database() AS db, current_user AS who')) as Array<{ db: string; who: string }>
      expect(row).to.deep.equal({ db: 'kit', who: 'kit_user' })
      await dataSource.destroy()
      const wrong = new DataSource({ ...pg.options, password: 'not-the-password' })
      let refused: unknown
      await wrong.initialize().catch((error: unknown) => (refused = error))
      expect(String(refused)).to.match(/password authentication failed/)
    } finally {
      await pg.stop()
    }
    const gone = new DataSource({ ...pg.options, connectTimeoutMS: 2000 })
    let error: unknown
    await gone.initialize().catch((e: unknown) => (error = e))
    expect(error, 'the server is still reachable after stop()').to.be.instanceOf(Error)
  })

  it('never pulls a missing local image: a TestingKitError says how to build it', async () => {
    let error: unknown
    await startPostgresContainer({ localImage: 'typeorm-tenancy/no-such-image:never' }).catch((e: unknown) => (error = e))
    expect(error).to.be.instanceOf(TestingKitError)
    expect((error as Error).message).to.match(/does not exist, and a local image is never pulled/)
  })
})
