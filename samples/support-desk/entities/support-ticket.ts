import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm'
import { TenantScoped } from 'typeorm-tenancy'

/** A ticket submitted to one organization: every query on it carries `"organizationId" = <tenant>`. */
@Entity()
@TenantScoped('organizationId')
export class SupportTicket {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() orderNumber!: number
  @Column() title!: string
  @Column({ default: 'open' }) status!: string
}
