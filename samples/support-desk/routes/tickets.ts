import type { DataSource, DeepPartial } from 'typeorm'
import { getTenantRepository } from 'typeorm-tenancy'
import { SupportTicket } from '../entities'
import { HttpError } from '../http/http-error'
import { readJsonObject } from '../http/json'
import type { Router } from '../http/router'
import { idParam } from './params'

/**
 * Tickets CRUD. Note what is NOT here: no `organizationId` in any WHERE, and the body goes to TypeORM as
 * the client sent it. The tenancy filter adds `"organizationId" = <tenant>` to every query, and the write
 * guard stamps the tenant on new rows and refuses a body that names another organization.
 */
export function ticketRoutes(router: Router, dataSource: DataSource): void {
  const tickets = () => getTenantRepository(dataSource, SupportTicket)

  router.on('GET', '/tickets', async () => ({ status: 200, body: await tickets().find({ order: { id: 'ASC' } }) }))

  router.on('GET', '/tickets/:id', async ({ params }) => {
    const ticket = await tickets().findOneBy({ id: idParam(params, 'ticket') })
    if (!ticket) throw HttpError.notFound('ticket')
    return { status: 200, body: ticket }
  })

  router.on('POST', '/tickets', async ({ req }) => {
    const body = await readJsonObject(req)
    if (typeof body['title'] !== 'string' || body['title'].trim() === '') throw HttpError.badRequest('"title" must be a non-empty string')
    if (!Number.isSafeInteger(body['orderNumber'])) throw HttpError.badRequest('"orderNumber" must be an integer')
    const ticket = tickets().create(body as DeepPartial<SupportTicket>)
    return { status: 201, body: await tickets().save(ticket) }
  })

  router.on('PATCH', '/tickets/:id', async ({ params, req }) => {
    const id = idParam(params, 'ticket')
    const body = await readJsonObject(req)
    const ticket = await tickets().findOneBy({ id })
    if (!ticket) throw HttpError.notFound('ticket')
    tickets().merge(ticket, body as DeepPartial<SupportTicket>, { id })
    return { status: 200, body: await tickets().save(ticket) }
  })

  router.on('DELETE', '/tickets/:id', async ({ params }) => {
    const ticket = await tickets().findOneBy({ id: idParam(params, 'ticket') })
    if (!ticket) throw HttpError.notFound('ticket')
    await tickets().remove(ticket)
    return { status: 204 }
  })
}
