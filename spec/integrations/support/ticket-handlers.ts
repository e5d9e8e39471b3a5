import type { DataSource } from 'typeorm'
import { currentTenant, TenancyError } from '../../../lib'
import { IntegrationNews, IntegrationTicket } from './integration-model'

/**
 * The request handlers every framework's test app serves, written once. Each does real async work
 * (a timer, a barrier with other requests, parallel queries) so a lost context would show.
 */
export function ticketHandlers(dataSource: DataSource) {
  let waiting: Array<() => void> = []
  /** Resolves once `n` requests are waiting here: proves requests really interleave, without a clock. */
  const barrier = (n: number): Promise<void> =>
    new Promise((resolve) => {
      waiting.push(resolve)
      if (waiting.length >= n) {
        const all = waiting
        waiting = []
        for (const release of all) setImmediate(release)
      }
    })

  return {
    async list(barrierSize: number | undefined): Promise<object> {
      const before = currentTenant()
      if (barrierSize !== undefined) await barrier(barrierSize)
      await new Promise((resolve) => setTimeout(resolve, 1))
      const [tickets, count] = await Promise.all([
        dataSource.getRepository(IntegrationTicket).find({ order: { id: 'ASC' } }),
        dataSource.getRepository(IntegrationTicket).count(),
      ])
      return { before, after: currentTenant(), count, tickets: tickets.map((t) => ({ id: t.id, organizationId: t.organizationId, title: t.title })) }
    },
    async create(body: unknown): Promise<object> {
      const title = (body as { title?: unknown } | undefined)?.title
      if (typeof title !== 'string') throw new Error('the test client must send a JSON body with a title')
      const saved = await dataSource.getRepository(IntegrationTicket).save({ title, organizationId: Number(currentTenant()) })
      return { id: saved.id, organizationId: saved.organizationId, title: saved.title, tenant: currentTenant() }
    },
    async publicNews(): Promise<object> {
      const news = await dataSource.getRepository(IntegrationNews).find()
      return { tenant: currentTenant() ?? null, news: news.map((n) => n.text) }
    },
    /** A public route that (wrongly) reads a scoped entity: must fail closed. */
    async publicTickets(): Promise<object> {
      try {
        const leaked = await dataSource.getRepository(IntegrationTicket).find()
        return { leaked: leaked.length }
      } catch (error) {
        if (error instanceof TenancyError) return { refused: error.code }
        throw error
      }
    },
  }
}

export type TicketHandlers = ReturnType<typeof ticketHandlers>

/** Reads the tenant the way a real app reads its authenticated user: here from test headers. */
export function tenantFromHeaders(headers: Record<string, string | string[] | undefined>): string | number | undefined {
  const raw = headers['x-org-raw']
  if (typeof raw === 'string') return raw // may be '' (a broken resolver)
  const org = headers['x-org']
  return typeof org === 'string' ? Number(org) : undefined // 'abc' gives NaN
}

export const onMissingTenant = (_req: unknown, reason: 'missing' | 'invalid') => ({
  status: reason === 'missing' ? 401 : 403,
  body: { error: reason === 'missing' ? 'TENANT_REQUIRED' : 'INVALID_TENANT' },
})
