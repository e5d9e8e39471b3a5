/**
 * `typeorm-tenancy/express`: the tenant of each Express request. Needs `express` (4.x or 5.x).
 */
export { tenancy } from './tenancy-middleware'
export type { ExpressTenancyOptions } from './tenancy-middleware'
export type { MissingTenantReason, MissingTenantResponse, RequestTenancyOptions } from '../request-tenant'
