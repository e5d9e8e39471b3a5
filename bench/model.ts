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

/**
 * An in-memory result as a join-loaded find of tenant 1 returns it: `parents` tickets, each with `children`
 * comments, every row of tenant 1 (the micro-benchmarks' input: nothing for the failsafe to remove).
 */
export function ticketsWithComments(parents: number, children: number): BenchTicket[] {
  return Array.from({ length: parents }, (_, p) => {
    const ticket = Object.assign(new BenchTicket(), { id: p + 1, organizationId: 1, title: 't', status: 'open', priority: 0 })
    ticket.comments = Array.from({ length: children }, (_, c) =>
      Object.assign(new BenchComment(), { id: p * children + c + 1, organizationId: 1, body: 'c', ticketId: p + 1 }),
    )
    return ticket
  })
}
