import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm'

/** Platform news (release notes) every organization reads: not scoped, so never filtered. */
@Entity()
export class NewsfeedItem {
  @PrimaryGeneratedColumn() id!: number
  @Column() text!: string
}
