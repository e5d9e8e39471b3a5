import { InvalidTenantIdError, TenancyConfigurationError } from '../errors'
import { assertTenantId, type TenantId } from '../tenant-id'

/** Why a request got the "no tenant" response: no tenant at all, or a value that is not a tenant id. */
export type MissingTenantReason = 'missing' | 'invalid'

/** The HTTP response a request with no usable tenant gets. */
export interface MissingTenantResponse {
  /** 401 (default) or 403, or any status you like. */
  readonly status: number
  /** Sent as JSON. */
  readonly body: unknown
}

/**
 * Options shared by every framework integration (`typeorm-tenancy/express`, `/koa`, `/fastify`, `/nestjs`).
 * `Req` is what the framework hands the resolver: Express's and Fastify's request, Koa's `ctx`.
 */
export interface RequestTenancyOptions<Req> {
  /**
   * Returns the tenant of the request (from the authenticated user, a verified token, a sub-domain...),
   * or `undefined`/`null` when the request has none. May be async. An empty string, `NaN` or any other
   * non-id is refused with the `onMissingTenant` response; it never means "no filter". A throw is passed
   * to the framework's error handling.
   */
  resolveTenant(req: Req): TenantId | null | undefined | Promise<TenantId | null | undefined>
  /**
   * `true`: a request whose resolver returns `undefined`/`null` goes on with no tenant (public routes);
   * any scoped query it makes still fails closed with `TenantContextMissingError`. Default `false`.
   */
  optional?: boolean
  /** Requests for which the resolver is not called at all and that go on with no tenant (health checks, login). */
  skip?(req: Req): boolean
  /**
   * The response for a request with no usable tenant. Default: 401 with
   * `{ error: 'TENANT_REQUIRED', message: '...' }` (and `'INVALID_TENANT'` for a non-id).
   */
  onMissingTenant?: MissingTenantResponse | ((req: Req, reason: MissingTenantReason) => MissingTenantResponse)
}

/** What to do with one request. */
export type RequestTenantOutcome =
  | { readonly kind: 'tenant'; readonly tenantId: TenantId }
  | { readonly kind: 'pass' }
  | { readonly kind: 'reject'; readonly response: MissingTenantResponse }

/**
 * Decides what one request runs as. Shared by every framework integration; resolves to a rejection
 * rather than throwing for missing or invalid tenants, and rejects (throws) only when the resolver throws.
 */
export async function resolveRequestTenant<Req>(options: RequestTenancyOptions<Req>, req: Req): Promise<RequestTenantOutcome> {
  if (options.skip?.(req) === true) return { kind: 'pass' }
  const value: unknown = await options.resolveTenant(req)
  if (value === undefined || value === null) {
    return options.optional === true ? { kind: 'pass' } : { kind: 'reject', response: missingResponse(options, req, 'missing') }
  }
  try {
    assertTenantId(value)
  } catch (error) {
    if (error instanceof InvalidTenantIdError) return { kind: 'reject', response: missingResponse(options, req, 'invalid') }
    throw error
  }
  return { kind: 'tenant', tenantId: value }
}

/** Checks the options once, when the middleware is created, so a typo fails at start-up. */
export function assertRequestTenancyOptions(options: unknown, integration: string): void {
  const o = options as Partial<RequestTenancyOptions<unknown>> | null | undefined
  if (typeof o !== 'object' || o === null || typeof o.resolveTenant !== 'function') {
    throw badOption(`${integration}: tenancy() needs { resolveTenant: (req) => tenantId }, the function that reads the tenant of a request.`)
  }
  if (o.skip !== undefined && typeof o.skip !== 'function') throw badOption(`${integration}: tenancy() option "skip" must be a function (req) => boolean.`)
  const on = o.onMissingTenant
  if (on !== undefined && typeof on !== 'function' && (typeof on !== 'object' || on === null || !Number.isInteger((on as MissingTenantResponse).status))) {
    throw badOption(`${integration}: tenancy() option "onMissingTenant" must be { status, body } or a function (req, reason) => { status, body }.`)
  }
}

function badOption(message: string): TenancyConfigurationError {
  return new TenancyConfigurationError(message, undefined)
}

function missingResponse<Req>(options: RequestTenancyOptions<Req>, req: Req, reason: MissingTenantReason): MissingTenantResponse {
  const configured = options.onMissingTenant
  if (typeof configured === 'function') return configured(req, reason)
  if (configured !== undefined) return configured
  return reason === 'missing'
    ? { status: 401, body: { error: 'TENANT_REQUIRED', message: 'This request needs a tenant: sign in as a member of an organization.' } }
    : { status: 401, body: { error: 'INVALID_TENANT', message: 'The tenant of this request is not valid.' } }
}
