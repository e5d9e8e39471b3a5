import { Column, DataSource, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm'
import { runWithoutTenant, TenantScoped } from '../../lib'

/** Tenant ids of the adversarial specs: A is the attacker, B the victim whose rows must stay invisible. */
export const A = 1
export const B = 2

@Entity('adv_ticket')
@TenantScoped('orgId')
export class AdvTicket {
  @PrimaryGeneratedColumn() id!: number
  /** A tenant column whose database name differs from its property name. */
  @Column({ name: 'org_id' }) orgId!: number
  @Column() title!: string
  @OneToMany(() => AdvNote, (n) => n.ticket) notes!: AdvNote[]
}

@Entity('adv_note')
@TenantScoped('orgId')
export class AdvNote {
  @PrimaryGeneratedColumn() id!: number
  @Column({ name: 'org_id' }) orgId!: number
  @Column() body!: string
  @ManyToOne(() => AdvTicket, (t) => t.notes, { nullable: true }) ticket!: AdvTicket | null
  @Column({ nullable: true }) ticketId!: number | null
}

export const adversarialEntities = [AdvTicket, AdvNote]

/** Two tickets per tenant, and a B note planted on an A ticket. */
export async function seedAdversarial(dataSource: DataSource): Promise<{ a: AdvTicket[]; b: AdvTicket[] }> {
  return runWithoutTenant(async () => {
    const m = dataSource.manager
    const a = await m.save(AdvTicket, [{ orgId: A, title: 'A one' }, { orgId: A, title: 'A two' }])
    const b = await m.save(AdvTicket, [{ orgId: B, title: 'B secret one' }, { orgId: B, title: 'B secret two' }])
    await m.save(AdvNote, [
      { orgId: A, body: 'A note', ticketId: a[0]!.id },
      { orgId: B, body: 'B note planted on A ticket', ticketId: a[0]!.id },
      { orgId: B, body: 'B note', ticketId: b[0]!.id },
    ])
    return { a, b }
  })
}
