/**
 * `typeorm-tenancy/koa`: the tenant of each Koa request. Needs `koa` (2.x or 3.x).
 */
export { tenancy } from './tenancy-middleware'
export type { KoaTenancyOptions } from './tenancy-middleware'
export type { MissingTenantReason, MissingTenantResponse, RequestTenancyOptions } from '../request-tenant'
