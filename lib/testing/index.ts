/**
 * typeorm-tenancy/testing: the kit for your own integration tests. Start a throwaway PostgreSQL in Docker,
 * seed two tenants, and assert that your entities and query paths keep them apart.
 *
 * ```ts
 * import { expectIsolated, startPostgresContainer } from 'typeorm-tenancy/testing'
 * ```
 */
export { startPostgresContainer } from './postgres-container'
export type { PostgresContainerOptions, PostgresConnectionSettings, StartedPostgres } from './postgres-container'
export { expectIsolated } from './expect-isolated'
export type { ExpectIsolatedOptions, IsolationReport } from './expect-isolated'
export { seedTenants } from './seed-tenants'
export type { SeedTenantsOptions } from './seed-tenants'
export { IsolationAssertionError } from './isolation-assertion-error'
export { TestingKitError } from './testing-kit-error'
