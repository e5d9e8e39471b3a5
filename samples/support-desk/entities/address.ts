import { Column, Entity, ManyToOne, PrimaryGeneratedColumn } from 'typeorm'
import { TenantScoped } from 'typeorm-tenancy'
import { Customer } from './customer'

/** A customer's address at one merchant (an organization id, under the column name of the seed). */
@Entity()
@TenantScoped('merchantId')
export class Address {
  @PrimaryGeneratedColumn() id!: number
  @Column() merchantId!: number
  @Column() email!: string
  @ManyToOne(() => Customer, (customer) => customer.addresses, { onDelete: 'CASCADE' }) customer!: Customer
  @Column() customerId!: number
}
