import { Body, Controller, Get, Inject, Injectable, Module, Post, Query, Req, type INestApplication } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm'
import { expect } from 'chai'
import type { Request } from 'express'
import type { Server } from 'node:http'
import type { Repository } from 'typeorm'
import { isTenancyInstalled, runWithoutTenant } from '../../lib'
import { CurrentTenant, TenancyModule } from '../../lib/integrations/nestjs'
import { expectTenantTerm } from '../fixtures/sql-assertions'
import type { TestDataSource } from '../support/test-database'
import { tenancyOptions } from '../support/test-store'
import { call, listenOnLoopback, type RunningApp } from './support/http-server'
import { describeHttpTenancy } from './support/http-tenancy-contract'
import { IntegrationNews, IntegrationTicket, ORG_A, ORG_B } from './support/integration-model'
import { onMissingTenant, tenantFromHeaders, type TicketHandlers } from './support/ticket-handlers'

const HANDLERS = Symbol('handlers')

@Injectable()
class TicketService {
  constructor(@InjectRepository(IntegrationTicket) private readonly tickets: Repository<IntegrationTicket>) {}

  async mine(): Promise<IntegrationTicket[]> {
    await new Promise((resolve) => setImmediate(resolve))
    return this.tickets.find({ order: { id: 'ASC' } })
  }
}

@Controller()
class TicketController {
  constructor(
    @Inject(HANDLERS) private readonly handlers: TicketHandlers,
    private readonly service: TicketService,
  ) {}

  @Get('tickets') list(@Query('barrier') barrier?: string) {
    return this.handlers.list(barrier ? Number(barrier) : undefined)
  }
  @Post('tickets') create(@Body() body: unknown) {
    return this.handlers.create(body)
  }
  @Get('public/news') news() {
    return this.handlers.publicNews()
  }
  @Get('public/tickets') publicTickets() {
    return this.handlers.publicTickets()
  }
  @Get('me') async me(@CurrentTenant() tenant: unknown, @Req() req: Request) {
    const tickets = await this.service.mine()
    return { tenant, path: req.path, organizations: [...new Set(tickets.map((t) => t.organizationId))] }
  }
}

/** A Nest app on @nestjs/typeorm whose DataSource is the suite's (opened without tenancy: the module installs it). */
export async function startNestApp(handlers: TicketHandlers, db: TestDataSource): Promise<RunningApp> {
  @Module({
    imports: [
      TypeOrmModule.forRootAsync({ useFactory: () => ({ type: 'postgres' }), dataSourceFactory: async () => db.dataSource }),
      TypeOrmModule.forFeature([IntegrationTicket, IntegrationNews]),
      TenancyModule.forRoot<Request>({
        resolveTenant: (req) => tenantFromHeaders(req.headers),
        skip: (req) => req.path.startsWith('/public'),
        onMissingTenant,
        tenancy: tenancyOptions(),
      }),
    ],
    controllers: [TicketController],
    providers: [TicketService, { provide: HANDLERS, useValue: handlers }],
  })
  class AppModule {}

  const app: INestApplication = await NestFactory.create(AppModule, { logger: false })
  await app.init()
  const running = await listenOnLoopback(app.getHttpServer() as Server)
  return { url: running.url, close: () => app.close() }
}

describeHttpTenancy(
  'NestJS (@nestjs/typeorm, Express platform)',
  (handlers, db) => {
    expect(isTenancyInstalled(db.dataSource)).to.equal(false)
    return startNestApp(handlers, db)
  },
  { tenancy: false },
  (db) => {
    it('installed tenancy on the DataSource @nestjs/typeorm injected', () => {
      expect(isTenancyInstalled(db().dataSource)).to.equal(true)
    })

    it('@CurrentTenant() and an @InjectRepository repository see the request tenant only', async () => {
      // This test's own app instance shares the suite's DataSource.
      const all = await runWithoutTenant(() => db().dataSource.getRepository(IntegrationTicket).find())
      expect(new Set(all.map((t) => t.organizationId))).to.deep.equal(new Set([ORG_A, ORG_B]))
      const app = await startNestApp({} as TicketHandlers, db())
      try {
        db().logger.clear()
        const a = await call(app, '/me', { headers: { 'x-org': String(ORG_B) } })
        expect(a.status).to.equal(200)
        expect(a.body).to.deep.equal({ tenant: ORG_B, path: '/me', organizations: [ORG_B] })
        expectTenantTerm(db().logger.last(/integration_ticket/), ORG_B)
        expect((await call(app, '/me')).status).to.equal(401)
      } finally {
        await app.close()
      }
    })
  },
)
