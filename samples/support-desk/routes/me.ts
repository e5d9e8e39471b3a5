import type { DataSource } from 'typeorm'
import { Organization } from '../entities'
import type { Router } from '../http/router'

/** Who is logged in, and the organization that is the tenant of every query of this request. */
export function meRoutes(router: Router, dataSource: DataSource): void {
  router.on('GET', '/me', async ({ user }) => {
    const organization = await dataSource.getRepository(Organization).findOneBy({ id: user.organizationId })
    return { status: 200, body: { id: user.id, email: user.email, organizationId: user.organizationId, organization: organization?.name } }
  })
}
