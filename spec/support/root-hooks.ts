import { testDialects } from './test-database'
import { storeName } from './test-store'
import { typeormVersion } from '../../lib/install/typeorm-version'

/** Prints what this run tests against, and how to pick something else. */
export const mochaHooks = {
  beforeAll(): void {
    const dialects = testDialects().map((d) => `${d.name} (${d.label})`).join(', ')
    console.log(`typeorm-tenancy suite: typeorm ${typeormVersion()}, store ${storeName}, databases: ${dialects}`)
    console.log('  choose with TYPEORM_LINE=1, TENANCY_STORE=cls-hooked, TENANCY_TEST_POSTGRES_URL=postgres://... (see README)')
  },
}
