import { testDialects } from './test-database'
import { postgresSource, stopPostgresSource } from './dialects/postgres-source'
import { storeName } from './test-store'
import { typeormVersion } from '../../lib/install/typeorm-version'

const HOW_TO_CHOOSE = [
  '  choose with: TYPEORM_LINE=1 | TENANCY_STORE=cls-hooked | TENANCY_TEST_POSTGRES_URL=postgres://... (an existing server)',
  '               TENANCY_TEST_POSTGRES=server|container|embedded | TENANCY_TEST_DIALECTS=postgres,mariadb,sqlite (see README "Running the tests")',
].join('\n')

function banner(): string {
  const dialects = testDialects().map((d) => `${d.name}: ${d.label}`).join('; ')
  return `typeorm-tenancy suite: typeorm ${typeormVersion()}, store ${storeName}, databases: ${dialects}`
}

/**
 * Starts the run's PostgreSQL once (an existing server, a container, or embedded PGlite), prints which
 * database is used and how to pick another, and removes the container or closes PGlite at the end.
 */
export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(180_000)
    if (testDialects().some((d) => d.name === 'postgres')) await postgresSource()
    console.log(banner())
    console.log(HOW_TO_CHOOSE)
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000)
    await stopPostgresSource()
    console.log(`(ran on ${testDialects().map((d) => `${d.name}: ${d.label}`).join('; ')})`)
  },
}
