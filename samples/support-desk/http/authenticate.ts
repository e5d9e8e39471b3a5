import type { IncomingMessage } from 'node:http'
import type { DataSource } from 'typeorm'
import { runWithoutTenant } from 'typeorm-tenancy'
import { User } from '../entities'

/**
 * The sample's `login_required` / `current_user`: the bearer token names a User, or the request is
 * anonymous (undefined). The tenant is not known yet at this point, so the one cross-tenant read of the
 * request, the token lookup, is an explicit `runWithoutTenant`.
 */
export async function authenticate(dataSource: DataSource, req: IncomingMessage): Promise<User | undefined> {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  const token = match?.[1]
  if (!token) return undefined
  const user = await runWithoutTenant(() => dataSource.getRepository(User).findOneBy({ apiToken: token }))
  return user ?? undefined
}
