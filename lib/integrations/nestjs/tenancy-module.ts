import { Module, type DynamicModule, type Provider } from '@nestjs/common'
import { APP_INTERCEPTOR } from '@nestjs/core'
import { getDataSourceToken } from '@nestjs/typeorm'
import type { DataSource } from 'typeorm'
import { installTenancy } from '../../install/install-tenancy'
import { assertRequestTenancyOptions } from '../request-tenant'
import { TenancyInterceptor } from './tenancy-interceptor'
import { TENANCY_DATA_SOURCE, TENANCY_MODULE_OPTIONS, type TenancyModuleOptions } from './tenancy-module-options'

/**
 * Tenancy for a NestJS app on `@nestjs/typeorm`: installs the plugin on the injected DataSource and
 * resolves each HTTP request's tenant with the {@link TenancyInterceptor}. Import it once, next to
 * `TypeOrmModule.forRoot`; it is global.
 *
 * ```ts
 * @Module({
 *   imports: [
 *     TypeOrmModule.forRoot({ type: 'postgres', url: process.env.DATABASE_URL, autoLoadEntities: true }),
 *     TenancyModule.forRoot({ resolveTenant: (req) => req.user?.organizationId }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class TenancyModule {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static forRoot<Req = any>(options: TenancyModuleOptions<Req>): DynamicModule {
    assertRequestTenancyOptions(options, 'typeorm-tenancy/nestjs')
    const providers: Provider[] = [
      { provide: TENANCY_MODULE_OPTIONS, useValue: options },
      {
        provide: TENANCY_DATA_SOURCE,
        useFactory: (dataSource: DataSource) => {
          installTenancy(dataSource, options.tenancy)
          return dataSource
        },
        inject: [getDataSourceToken(options.dataSource)],
      },
      TenancyInterceptor,
    ]
    if (options.global !== false) providers.push({ provide: APP_INTERCEPTOR, useExisting: TenancyInterceptor })
    return {
      module: TenancyModule,
      global: true,
      providers,
      exports: [TENANCY_MODULE_OPTIONS, TENANCY_DATA_SOURCE, TenancyInterceptor],
    }
  }
}
