import type { DataSource } from 'typeorm'
import { Customer } from '../entities'
import { HttpError } from '../http/http-error'
import type { Router } from '../http/router'
import { idParam } from './params'

/**
 * The central customer (not scoped) with its per-merchant addresses. `relations: { addresses: true }`
 * is exactly the join that leaked in Cratejoy's app; here the joined `Address` carries
 * `AND "addresses"."merchantId" = <tenant>` in its ON clause, so each merchant gets only its addresses.
 */
export function customerRoutes(router: Router, dataSource: DataSource): void {
  const customers = () => dataSource.getRepository(Customer)

  router.on('GET', '/customers', async () => ({ status: 200, body: await customers().find({ order: { id: 'ASC' } }) }))

  router.on('GET', '/customers/:id', async ({ params }) => {
    const customer = await customers().findOne({
      where: { id: idParam(params, 'customer') },
      relations: { addresses: true },
      order: { addresses: { id: 'ASC' } },
    })
    if (!customer) throw HttpError.notFound('customer')
    return { status: 200, body: customer }
  })
}
