/**
 * `typeorm-tenancy/fastify`: the tenant of each Fastify request. Needs `fastify` (5.x).
 */
export { tenancy } from './tenancy-plugin'
export type { FastifyTenancyOptions } from './tenancy-plugin'
export type { MissingTenantReason, MissingTenantResponse, RequestTenancyOptions } from '../request-tenant'
