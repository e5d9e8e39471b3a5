import type { DataSource } from 'typeorm'
import { runWithoutTenant } from 'typeorm-tenancy'
import { Address, Customer, NewsfeedItem, Organization, SupportTicket, User } from './entities'

/** Who the seed created: the demo logs in as these agents. */
export interface SeededAgent {
  readonly organization: string
  readonly organizationId: number
  readonly email: string
  readonly token: string
}

/**
 * Two organizations with the same shape of data, one central customer with an address at each, and two
 * news items. Seeding writes for both tenants, so it is an admin job: `runWithoutTenant`. Runs only on an
 * empty database, so a restart on a real server keeps what is there.
 */
export function seedSupportDesk(dataSource: DataSource): Promise<SeededAgent[]> {
  return runWithoutTenant(async () => {
    const m = dataSource.manager
    const existing = await m.find(User, { order: { id: 'ASC' } })
    if (existing.length === 0) {
      const [acme, bolt] = await m.save(Organization, [{ name: 'Acme' }, { name: 'Bolt' }])
      if (!acme || !bolt) throw new Error('seed: the organizations were not saved')
      await m.save(User, [
        { organizationId: acme.id, email: 'alice@acme.test', apiToken: 'alice-token' },
        { organizationId: bolt.id, email: 'bob@bolt.test', apiToken: 'bob-token' },
      ])
      await m.save(SupportTicket, [
        { organizationId: acme.id, orderNumber: 1001, title: 'Printer on fire' },
        { organizationId: acme.id, orderNumber: 1002, title: 'Cannot log in' },
        { organizationId: bolt.id, orderNumber: 2001, title: 'Refund for order 2001' },
        { organizationId: bolt.id, orderNumber: 2002, title: 'Parcel never arrived' },
      ])
      await m.save(NewsfeedItem, [{ text: 'Release 1.0: tickets' }, { text: 'Release 1.1: customers' }])
      const customer = await m.save(Customer, { name: 'Carol Customer' })
      await m.save(Address, [
        { merchantId: acme.id, customerId: customer.id, email: 'carol@acme-shop.test' },
        { merchantId: bolt.id, customerId: customer.id, email: 'carol@bolt-shop.test' },
      ])
    }
    const users = await m.find(User, { order: { id: 'ASC' } })
    const organizations = await m.find(Organization)
    return users.map((user) => ({
      organization: organizations.find((o) => o.id === user.organizationId)?.name ?? `#${user.organizationId}`,
      organizationId: user.organizationId,
      email: user.email,
      token: user.apiToken,
    }))
  })
}
