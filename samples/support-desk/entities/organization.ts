import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm'

/** A customer-support organization: the tenant. Not scoped (it is the list of tenants itself). */
@Entity()
export class Organization {
  @PrimaryGeneratedColumn() id!: number
  @Column() name!: string
}
