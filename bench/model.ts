import { Column, Entity, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm'
import { TenantScoped } from '../lib'

/**
 * The benchmark's model: the support desk of the issue, kept small so that what is measured is the query
 * path, not entity hydration. One set of classes serves every variant; only the DataSource differs.
 */

/** Not scoped: the tenants themselves. */
@Entity({ name: 'organization' })
export class BenchOrganization {
  @PrimaryGeneratedColumn() id!: number
  @Column() name!: string
}

@Entity({ name: 'support_ticket' })
@TenantScoped('organizationId')
export class BenchTicket {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @ManyToOne(() => BenchOrganization, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'organizationId' })
  organization!: BenchOrganization
  @Column() title!: string
  @Column({ default: 'open' }) status!: string
  @Column({ default: 0 }) priority!: number
  @OneToMany(() => BenchComment, (c) => c.ticket) comments!: BenchComment[]
}

@Entity({ name: 'ticket_comment' })
@TenantScoped('organizationId')
export class BenchComment {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() body!: string
  @ManyToOne(() => BenchTicket, (t) => t.comments, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'ticketId' })
  ticket!: BenchTicket
  @Column() ticketId!: number
}

export const benchEntities = [BenchOrganization, BenchTicket, BenchComment]
