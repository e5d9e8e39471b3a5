import { Body, Controller, Injectable, Module, Post, type INestApplication } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm'
import { expect } from 'chai'
import type { Request } from 'express'
import { ClsModule, ClsService } from 'nestjs-cls'
import type { Server } from 'node:http'
import { EntityManager, Repository } from 'typeorm'
import {
  addTransactionalDataSource,
  deleteDataSourceByName,
  initializeTransactionalContext,
  StorageDriver,
  Transactional,
} from 'typeorm-transactional'
import { currentTenant, runWithoutTenant } from '../../lib'
import { TenancyModule } from '../../lib/integrations/nestjs'
import { expectTenantTerm } from '../fixtures/sql-assertions'
import { describeEachDialect } from '../support/test-database'
import { storeName, tenancyOptions } from '../support/test-store'
import { call, listenOnLoopback, type RunningApp } from './support/http-server'
import { IntegrationTicket, integrationEntities, ORG_A, ORG_B, seedIntegration } from './support/integration-model'
import { tenantFromHeaders } from './support/ticket-handlers'

@Injectable()
class BatchService {
  constructor(
    @InjectRepository(IntegrationTicket) private readonly tickets: Repository<IntegrationTicket>,
    private readonly cls: ClsService,
  ) {}

  /** Writes, then reads inside the same typeorm-transactional transaction; throws to roll back. */
  @Transactional()
  async createBatch(titles: string[], fail: boolean): Promise<object> {
    for (const title of titles) await this.tickets.save(this.tickets.create({ title }))
    const visible = await this.tickets.find({ order: { id: 'ASC' } })
    const inTransaction = this.tickets.manager.queryRunner?.isTransactionActive === true
    if (fail) throw new Error('the batch failed after writing: roll it back')
    return {
      tenant: currentTenant(),
      user: this.cls.get<string>('user'),
      inTransaction,
      visible: visible.map((t) => ({ organizationId: t.organizationId, title: t.title })),
    }
  }
}

@Controller()
class BatchController {
  constructor(private readonly batches: BatchService) {}

  @Post('batches') create(@Body() body: { titles: string[]; fail?: boolean }) {
    return this.batches.createBatch(body.titles, body.fail === true)
  }
}

describeEachDialect('NestJS interop: nestjs-cls and typeorm-transactional', { entities: integrationEntities, tenancy: false }, (db) => {
  let app: INestApplication
  let running: RunningApp
  // typeorm-transactional patches these process-wide; put them back so later spec files see plain TypeORM.
  const original = {
    getRepository: EntityManager.prototype.getRepository,
    extend: Repository.prototype.extend,
    manager: Object.getOwnPropertyDescriptor(Repository.prototype, 'manager'),
  }

  before(async function () {
    if (!db().dialect.concurrentTransactions) this.skip()
    // Both libraries keep their own async context; ours follows the suite's store choice, theirs matches it.
    // Before any repository exists: typeorm-transactional patches Repository.prototype.manager, and a
    // repository created earlier keeps its plain manager (outside every transaction).
    initializeTransactionalContext({ storageDriver: storeName === 'cls-hooked' ? StorageDriver.CLS_HOOKED : StorageDriver.ASYNC_LOCAL_STORAGE })
    await seedIntegration(db().dataSource)

    @Module({
      imports: [
        ClsModule.forRoot({ global: true, middleware: { mount: true, setup: (cls, req: Request) => cls.set('user', req.headers['x-user']) } }),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ type: 'postgres' }),
          dataSourceFactory: async () => addTransactionalDataSource(db().dataSource),
        }),
        TypeOrmModule.forFeature([IntegrationTicket]),
        TenancyModule.forRoot<Request>({ resolveTenant: (req) => tenantFromHeaders(req.headers), tenancy: tenancyOptions() }),
      ],
      controllers: [BatchController],
      providers: [BatchService],
    })
    class InteropModule {}

    app = await NestFactory.create(InteropModule, { logger: false })
    await app.init()
    running = await listenOnLoopback(app.getHttpServer() as Server)
  })

  after(async () => {
    await app?.close()
    deleteDataSourceByName('default')
    EntityManager.prototype.getRepository = original.getRepository
    Repository.prototype.extend = original.extend
    if (original.manager) Object.defineProperty(Repository.prototype, 'manager', original.manager)
    else delete (Repository.prototype as { manager?: unknown }).manager
  })

  it('a @Transactional() method in a tenant request writes and reads only its tenant, in one transaction', async () => {
    const before = await runWithoutTenant(() => db().dataSource.getRepository(IntegrationTicket).find())
    expect(before.map((t) => t.organizationId)).to.include(ORG_B)

    db().logger.clear()
    const { status, body } = await call(running, '/batches', { method: 'POST', headers: { 'x-org': String(ORG_A), 'x-user': 'ada' }, body: { titles: ['A: one', 'A: two'] } })
    expect(status).to.equal(201)
    expect(body.tenant).to.equal(ORG_A)
    expect(body.user).to.equal('ada') // nestjs-cls's context is intact next to ours
    expect(body.inTransaction).to.equal(true)
    expect(body.visible.map((t: IntegrationTicket) => t.organizationId)).to.deep.equal([ORG_A, ORG_A, ORG_A, ORG_A])
    expect(body.visible.map((t: IntegrationTicket) => t.title)).to.include.members(['A: one', 'A: two'])

    const sql = db().logger.queries.map((q) => q.sql)
    const start = sql.findIndex((s) => /^START TRANSACTION/i.test(s))
    const commit = sql.findIndex((s) => /^COMMIT/i.test(s))
    const inserts = sql.map((s, i) => [s, i] as const).filter(([s]) => /^INSERT INTO .*integration_ticket/.test(s))
    expect(start).to.be.greaterThan(-1)
    expect(inserts).to.have.length(2)
    expect(inserts.every(([, i]) => i > start && i < commit)).to.equal(true)
    const read = db().logger.last(/^SELECT .*integration_ticket/)
    expectTenantTerm(read, ORG_A)

    const stored = await runWithoutTenant(() => db().dataSource.getRepository(IntegrationTicket).findBy({ title: 'A: two' }))
    expect(stored.map((t) => t.organizationId)).to.deep.equal([ORG_A])
  })

  it('a failing @Transactional() method rolls back its tenant writes', async () => {
    db().logger.clear()
    const { status } = await call(running, '/batches', { method: 'POST', headers: { 'x-org': String(ORG_B) }, body: { titles: ['B: doomed'], fail: true } })
    expect(status).to.equal(500)
    expect(db().logger.queries.some((q) => /^ROLLBACK/i.test(q.sql))).to.equal(true)
    expect(db().logger.queries.some((q) => /^INSERT INTO .*integration_ticket/.test(q.sql))).to.equal(true)
    const stored = await runWithoutTenant(() => db().dataSource.getRepository(IntegrationTicket).findBy({ title: 'B: doomed' }))
    expect(stored).to.have.length(0)
  })

  it('a request with no tenant is refused before any transaction starts', async () => {
    db().logger.clear()
    const { status } = await call(running, '/batches', { method: 'POST', body: { titles: ['nobody'] } })
    expect(status).to.equal(401)
    expect(db().logger.queries).to.have.length(0)
  })
})
