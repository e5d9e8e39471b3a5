import { HttpException, Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common'
import { Observable, from, switchMap } from 'rxjs'
import { runWithTenant } from '../../context/run-with-tenant'
import { resolveRequestTenant } from '../request-tenant'
import { TENANCY_MODULE_OPTIONS, type TenancyModuleOptions } from './tenancy-module-options'

/**
 * Runs each HTTP request's handler, its pipes and parameter decorators, and every async step of the
 * `Observable` or `Promise` it returns as the request's tenant. A request with no usable tenant gets the
 * `onMissingTenant` response as an `HttpException` (401 JSON by default), or goes on with no tenant when
 * `optional`/`skip` say so; its scoped queries then fail closed.
 *
 * Interceptors run after guards, so the resolver can read what your authentication guard set
 * (`req.user`); a guard that itself queries a scoped entity fails closed. Non-HTTP contexts (RPC, WS)
 * pass through with no tenant.
 *
 * ```ts
 * @Controller('tickets')
 * export class TicketsController {
 *   @Get() list() { return this.tickets.find() }
 *   // SELECT ... FROM "support_ticket" "SupportTicket" WHERE "SupportTicket"."organizationId" = $1  -- [42]
 * }
 * ```
 */
@Injectable()
export class TenancyInterceptor implements NestInterceptor {
  constructor(@Inject(TENANCY_MODULE_OPTIONS) private readonly options: TenancyModuleOptions) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle()
    const request: unknown = context.switchToHttp().getRequest()
    return from(resolveRequestTenant(this.options, request)).pipe(
      switchMap((outcome) => {
        if (outcome.kind === 'reject') throw new HttpException(outcome.response.body as Record<string, unknown>, outcome.response.status)
        if (outcome.kind === 'pass') return next.handle()
        return new Observable<unknown>((subscriber) => runWithTenant(outcome.tenantId, () => next.handle().subscribe(subscriber)))
      }),
    )
  }
}
