/**
 * `typeorm-tenancy/nestjs`: tenancy for NestJS apps on `@nestjs/typeorm`. Needs `@nestjs/common`,
 * `@nestjs/core`, `@nestjs/typeorm` and `rxjs`.
 */
export { TenancyModule } from './tenancy-module'
export { TenancyInterceptor } from './tenancy-interceptor'
export { CurrentTenant } from './current-tenant-decorator'
export { TENANCY_DATA_SOURCE, TENANCY_MODULE_OPTIONS } from './tenancy-module-options'
export type { TenancyModuleOptions } from './tenancy-module-options'
export type { MissingTenantReason, MissingTenantResponse, RequestTenancyOptions } from '../request-tenant'
