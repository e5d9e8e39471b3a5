import type { DataSource } from 'typeorm'
import { NewsfeedItem } from '../entities'
import type { Router } from '../http/router'

/** The shared newsfeed: `NewsfeedItem` is not `@TenantScoped`, so every organization reads every item. */
export function newsfeedRoutes(router: Router, dataSource: DataSource): void {
  router.on('GET', '/newsfeed', async () => ({
    status: 200,
    body: await dataSource.getRepository(NewsfeedItem).find({ order: { id: 'ASC' } }),
  }))
}
