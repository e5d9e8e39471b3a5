import { createParamDecorator } from '@nestjs/common'
import { currentTenant } from '../../context/run-with-tenant'

/**
 * A handler parameter with the request's tenant id (`undefined` on a route that passed through with no
 * tenant). Reads the tenant context the {@link TenancyInterceptor} set, so it is the very tenant the
 * queries are filtered by.
 *
 * ```ts
 * @Get('me')
 * whoAmI(@CurrentTenant() organizationId: number) {
 *   return { organizationId }
 * }
 * ```
 */
export const CurrentTenant = createParamDecorator((_data: unknown): unknown => currentTenant())
