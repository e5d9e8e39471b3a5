import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm'
import { TenantScoped } from 'typeorm-tenancy'

/**
 * An agent who answers the tickets of one organization. Scoped: an agent sees the agents of their own
 * organization only. Looking a user up by token happens before the tenant is known, so the sample's
 * authentication does it inside `runWithoutTenant` (see http/authenticate.ts).
 */
@Entity()
@TenantScoped('organizationId')
export class User {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() email!: string
  /** The bearer token of the sample's toy authentication (a real app stores a hash, or uses sessions). */
  @Index({ unique: true }) @Column() apiToken!: string
}
