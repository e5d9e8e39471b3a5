import { AsyncResource } from 'node:async_hooks'
import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import { runWithTenant } from '../../context/run-with-tenant'
import { assertRequestTenancyOptions, resolveRequestTenant, type RequestTenancyOptions } from '../request-tenant'

/** Options of the Fastify {@link tenancy} plugin; the resolver gets Fastify's `request`. */
export type FastifyTenancyOptions<Req extends FastifyRequest = FastifyRequest> = RequestTenancyOptions<Req>

/**
 * A Fastify plugin (5.x) that runs each request's hooks from `preValidation` on, its handler and all the
 * async work they start as the request's tenant. Registered at the root, it covers every route of the
 * app (it is not encapsulated). A request with no tenant gets the `onMissingTenant` response (401 JSON by
 * default), or goes on with no tenant when `optional`/`skip` say so; its scoped queries then fail closed.
 *
 * The tenant is resolved in an `onRequest` hook (register your authentication's `onRequest` hook first).
 * Fastify parses the body on the socket's own callbacks, which carry no context, so the plugin keeps the
 * request's context in an `AsyncResource` and re-enters it in `preValidation`; this works with both
 * stores (AsyncLocalStorage and cls-hooked).
 *
 * ```ts
 * import { tenancy } from 'typeorm-tenancy/fastify'
 *
 * await app.register(tenancy({ resolveTenant: (request) => request.user?.organizationId }))
 * app.get('/tickets', () => tickets.find())
 * // SELECT ... FROM "support_ticket" "SupportTicket" WHERE "SupportTicket"."organizationId" = $1  -- [42]
 * ```
 */
export function tenancy<Req extends FastifyRequest = FastifyRequest>(options: FastifyTenancyOptions<Req>): FastifyPluginCallback {
  assertRequestTenancyOptions(options, 'typeorm-tenancy/fastify')
  const scopes = new WeakMap<FastifyRequest, AsyncResource>()

  const plugin: FastifyPluginCallback = (fastify, _pluginOptions, pluginDone) => {
    fastify.addHook('onRequest', (request, reply, done) => {
      resolveRequestTenant(options, request as Req).then((outcome) => {
        if (outcome.kind === 'reject') {
          void reply.code(outcome.response.status).send(outcome.response.body)
        } else if (outcome.kind === 'pass') {
          done()
        } else {
          runWithTenant(outcome.tenantId, () => {
            const scope = new AsyncResource('typeorm-tenancy:request')
            scopes.set(request, scope)
            scope.runInAsyncScope(done)
          })
        }
      }, done)
    })
    fastify.addHook('preValidation', (request, _reply, done) => {
      const scope = scopes.get(request)
      if (scope) scope.runInAsyncScope(done)
      else done()
    })
    pluginDone()
  }
  // What fastify-plugin does: register the hooks on the parent instance, so they cover every route.
  const meta = plugin as unknown as Record<symbol, unknown>
  meta[Symbol.for('skip-override')] = true
  meta[Symbol.for('fastify.display-name')] = 'typeorm-tenancy'
  meta[Symbol.for('plugin-meta')] = { name: 'typeorm-tenancy', fastify: '>=4' }
  return plugin
}
