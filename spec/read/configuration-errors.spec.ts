import { expect } from 'chai'
import { Column, DataSource, Entity, PrimaryGeneratedColumn, type DataSourceOptions } from 'typeorm'
import {
  getTenantRepository, installTenancy, InvalidTenantIdError, runWithTenant, runWithoutTenant,
  TenancyConfigurationError, TenancyNotInstalledError, TenantScoped,
} from '../../lib'
import type { CapturingLogger } from '../support/capturing-logger'
import { caught } from '../fixtures/query-access-paths'
import { expectWhereTenant } from '../fixtures/sql-assertions'
import { capturingLoggerFor, testDialects, type TestDialect } from '../support/test-database'
import { tenancyOptions } from '../support/test-store'

@Entity()
@TenantScoped('orgId')
class MisnamedInvoice {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
}

@Entity()
@TenantScoped('organizationId')
class NumericInvoice {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() total!: number
}

@Entity()
@TenantScoped('tenantId')
class UuidInvoice {
  @PrimaryGeneratedColumn() id!: number
  @Column('uuid') tenantId!: string
  @Column() total!: number
}

const TENANT_1 = '6f1c2f5e-8d1a-4c1e-9a51-2b0f3c4d5e61'
const TENANT_2 = 'b7e2d3c4-1a2b-4c3d-8e9f-0a1b2c3d4e5f'

/** A DataSource on a fresh schema (or database) of `dialect`; `body` runs, then everything is dropped. */
async function withDialectDataSource(
  dialect: TestDialect,
  entities: Function[],
  body: (ds: DataSource, logger: CapturingLogger) => Promise<void>,
): Promise<void> {
  const namespace = await dialect.open()
  const logger = capturingLoggerFor(dialect, namespace.options)
  const ds = new DataSource({ ...namespace.options, entities, synchronize: true, logging: true, logger } as DataSourceOptions)
  try {
    await body(ds, logger)
  } finally {
    if (ds.isInitialized) await ds.destroy()
    await namespace.drop()
  }
}

for (const dialect of testDialects()) describe(`configuration errors [${dialect.name}]`, function () {
  this.timeout(60_000)
  const withDataSource = (entities: Function[], body: (ds: DataSource, logger: CapturingLogger) => Promise<void>) => withDialectDataSource(dialect, entities, body)

  it('a @TenantScoped column that does not exist fails initialize(), naming the entity and the fix', () =>
    withDataSource([MisnamedInvoice], async (ds) => {
      installTenancy(ds, tenancyOptions())
      const error = await caught(() => ds.initialize())
      expect(error).to.be.instanceOf(TenancyConfigurationError)
      expect((error as TenancyConfigurationError).code).to.equal('TENANCY_CONFIGURATION')
      expect((error as TenancyConfigurationError).entity).to.equal('MisnamedInvoice')
      expect((error as Error).message).to.include("@TenantScoped('orgId')").and.include('MisnamedInvoice').and.include('organizationId')
    }))

  it('installTenancy after initialize() validates at once', () =>
    withDataSource([MisnamedInvoice], async (ds) => {
      await ds.initialize()
      expect(() => installTenancy(ds, tenancyOptions())).to.throw(TenancyConfigurationError, /MisnamedInvoice/)
    }))

  it('getTenantRepository on a DataSource without tenancy throws TenancyNotInstalledError', () =>
    withDataSource([NumericInvoice], async (ds) => {
      await ds.initialize()
      const error = await caught(() => getTenantRepository(ds, NumericInvoice))
      expect(error).to.be.instanceOf(TenancyNotInstalledError)
      expect((error as TenancyNotInstalledError).code).to.equal('TENANCY_NOT_INSTALLED')
      expect((error as Error).message).to.include('installTenancy(dataSource)')
    }))

  it('a string tenant on a numeric column: InvalidTenantIdError before any SQL; a numeric string works', () =>
    withDataSource([NumericInvoice], async (ds, logger) => {
      installTenancy(ds, tenancyOptions())
      await ds.initialize()
      await runWithoutTenant(() => ds.manager.insert(NumericInvoice, [{ organizationId: 1, total: 10 }, { organizationId: 2, total: 20 }]))
      logger.clear()
      const error = await caught(() => runWithTenant('acme', () => getTenantRepository(ds, NumericInvoice).find()))
      expect(error).to.be.instanceOf(InvalidTenantIdError)
      expect((error as Error).message).to.include('NumericInvoice.organizationId')
      expect(logger.statements).to.have.length(0)
      const rows = await runWithTenant('2', () => getTenantRepository(ds, NumericInvoice).find())
      expect(rows.map((r) => r.total)).to.deep.equal([20])
    }))

  it('UUID tenant ids on a uuid column work; a non-UUID id fails before any SQL', () =>
    withDataSource([UuidInvoice], async (ds, logger) => {
      installTenancy(ds, tenancyOptions())
      await ds.initialize()
      await runWithoutTenant(() => ds.manager.insert(UuidInvoice, [{ tenantId: TENANT_1, total: 1 }, { tenantId: TENANT_2, total: 2 }]))
      expect(await runWithoutTenant(() => ds.manager.count(UuidInvoice))).to.equal(2)
      const rows = await runWithTenant(TENANT_1, () => getTenantRepository(ds, UuidInvoice).find())
      expect(rows.map((r) => r.total)).to.deep.equal([1])
      expectWhereTenant(logger.last(/"uuid_invoice"/), 'UuidInvoice', TENANT_1, 'tenantId')
      logger.clear()
      for (const bad of [42, 'acme']) {
        expect(await caught(() => runWithTenant(bad, () => getTenantRepository(ds, UuidInvoice).find()))).to.be.instanceOf(InvalidTenantIdError)
      }
      expect(logger.statements).to.have.length(0)
    }))
})
