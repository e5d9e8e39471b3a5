import { Column, Entity, PrimaryGeneratedColumn, type DataSource } from 'typeorm'
import { TenantScoped, runWithoutTenant } from '../../../lib'

/** Scoped by organization: what each request must only ever see of its own tenant. */
@Entity()
@TenantScoped('organizationId')
export class IntegrationTicket {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() title!: string
}

/** Not scoped: readable by public routes. */
@Entity()
export class IntegrationNews {
  @PrimaryGeneratedColumn() id!: number
  @Column() text!: string
}

export const integrationEntities = [IntegrationTicket, IntegrationNews]

export const ORG_A = 1
export const ORG_B = 2

/** Two tickets for A, one for B, one news item; returns every ticket, read with the bypass. */
export async function seedIntegration(dataSource: DataSource): Promise<IntegrationTicket[]> {
  return runWithoutTenant(async () => {
    await dataSource.getRepository(IntegrationTicket).save([
      { organizationId: ORG_A, title: 'A: printer on fire' },
      { organizationId: ORG_A, title: 'A: password reset' },
      { organizationId: ORG_B, title: 'B: invoice question' },
    ])
    await dataSource.getRepository(IntegrationNews).save({ text: 'v2 released' })
    return dataSource.getRepository(IntegrationTicket).find({ order: { id: 'ASC' } })
  })
}
