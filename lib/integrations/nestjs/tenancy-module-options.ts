import type { TenancyOptions } from '../../install/install-tenancy'
import type { RequestTenancyOptions } from '../request-tenant'

/** The injection token of the {@link TenancyModuleOptions}. */
export const TENANCY_MODULE_OPTIONS = Symbol.for('typeorm-tenancy:nestjs:options')

/** The injection token of the DataSource the module installed tenancy on. */
export const TENANCY_DATA_SOURCE = Symbol.for('typeorm-tenancy:nestjs:data-source')

/**
 * Options of `TenancyModule.forRoot`. The resolver gets the platform's request (Express's `req` on
 * `@nestjs/platform-express`), after your guards ran: read `req.user` set by your authentication guard.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface TenancyModuleOptions<Req = any> extends RequestTenancyOptions<Req> {
  /**
   * The `@nestjs/typeorm` DataSource to protect: the `name` you gave `TypeOrmModule.forRoot({ name })`,
   * or omitted for the default one.
   */
  dataSource?: string
  /** Options of `installTenancy` (the context store). */
  tenancy?: TenancyOptions
  /**
   * `true` (default): the {@link TenancyInterceptor} runs for every HTTP route of the app. `false`: apply
   * it yourself with `@UseInterceptors(TenancyInterceptor)` on the controllers that need a tenant.
   */
  global?: boolean
}
