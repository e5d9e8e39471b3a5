import { Column, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm'
import { TenantScoped } from '../../lib'

/** The test kit's own model: notes and their replies, scoped by `workspaceId`. */
@Entity()
@TenantScoped('workspaceId')
export class KitNote {
  @PrimaryGeneratedColumn() id!: number
  @Column() workspaceId!: number
  @Column() text!: string
  @OneToMany(() => KitReply, (r) => r.note) replies!: KitReply[]
}

@Entity()
@TenantScoped('workspaceId')
export class KitReply {
  @PrimaryGeneratedColumn() id!: number
  @Column() workspaceId!: number
  @Column() body!: string
  @ManyToOne(() => KitNote, (n) => n.replies, { nullable: true }) note!: KitNote | null
}

/** Scoped, but never seeded: expectIsolated must refuse to pass on it. */
@Entity()
@TenantScoped('workspaceId')
export class KitEmptyNote {
  @PrimaryGeneratedColumn() id!: number
  @Column() workspaceId!: number
}

/** Not scoped. */
@Entity()
export class KitBanner {
  @PrimaryGeneratedColumn() id!: number
  @Column() text!: string
}

export const kitEntities = [KitNote, KitReply, KitEmptyNote, KitBanner]
export const W1 = 11
export const W2 = 22
