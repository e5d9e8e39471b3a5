import { Column, Entity, OneToMany, PrimaryGeneratedColumn } from 'typeorm'
import { Address } from './address'

/**
 * A central customer shared by every merchant (organization), as in Cratejoy's model: not scoped. Its
 * `addresses` are per merchant; loading them as a relation joins `Address` with the tenant condition in
 * the ON clause, so a merchant sees only its own addresses of the customer.
 */
@Entity()
export class Customer {
  @PrimaryGeneratedColumn() id!: number
  @Column() name!: string
  @OneToMany(() => Address, (address) => address.customer) addresses!: Address[]
}
