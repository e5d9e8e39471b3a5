import {
  Column, DeleteDateColumn, Entity, JoinTable, ManyToMany, ManyToOne, OneToMany, PrimaryColumn, PrimaryGeneratedColumn, Unique,
} from 'typeorm'
import { TenantScoped } from '../../lib'

/** The write specs' model: a ticket with comments (one-to-many, cascaded) and labels (many-to-many). */
@Entity()
@TenantScoped('organizationId')
export class WriteTicket {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() title!: string
  @Column({ default: 0 }) priority!: number
  @DeleteDateColumn({ nullable: true }) deletedAt!: Date | null
  @OneToMany(() => WriteComment, (c) => c.ticket, { cascade: true }) comments!: WriteComment[]
  @ManyToMany(() => WriteLabel, (l) => l.tickets, { cascade: true }) @JoinTable() labels!: WriteLabel[]
}

@Entity()
@TenantScoped('organizationId')
export class WriteComment {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() body!: string
  @ManyToOne(() => WriteTicket, (t) => t.comments, { nullable: true }) ticket!: WriteTicket | null
  @Column({ nullable: true }) ticketId!: number | null
}

@Entity()
@TenantScoped('organizationId')
export class WriteLabel {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() name!: string
  @ManyToMany(() => WriteTicket, (t) => t.labels) tickets!: WriteTicket[]
}

/** An app-assigned natural key that is unique across tenants: the upsert trap. */
@Entity()
@TenantScoped('organizationId')
export class WriteSetting {
  @PrimaryColumn() code!: string
  @Column() organizationId!: number
  @Column() value!: string
}

/** Unique per tenant: the conflict target includes the tenant column. */
@Entity()
@TenantScoped('organizationId')
@Unique(['organizationId', 'slug'])
export class WritePage {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() slug!: string
  @Column() body!: string
}

/** Shared rows (NULL tenant) are read by every tenant and written by none. */
@Entity()
@TenantScoped('organizationId', { shared: 'null' })
export class WriteNotice {
  @PrimaryGeneratedColumn() id!: number
  @Column({ type: 'int', nullable: true }) organizationId!: number | null
  @Column() text!: string
}

/** A UUID key the app may assign itself to a new row. */
@Entity()
@TenantScoped('organizationId')
export class WriteDocument {
  @PrimaryGeneratedColumn('uuid') id!: string
  @Column() organizationId!: number
  @Column() name!: string
}

export const writeEntities = [WriteTicket, WriteComment, WriteLabel, WriteSetting, WritePage, WriteNotice, WriteDocument]

/**
 * Unique per tenant on (organizationId, path) as declared; the MySQL/MariaDB upsert specs add unique indexes
 * on the other columns by raw DDL, the way a migration the entity does not know about would.
 */
@Entity()
@TenantScoped('organizationId')
@Unique(['organizationId', 'path'])
export class WriteSlugPage {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() path!: string
  @Column() publicSlug!: string
  @Column() body!: string
  @Column({ default: '' }) note!: string
}

/** A declared unique column that is global and has a DEFAULT: a row that leaves it out collides on the default. */
@Entity()
@TenantScoped('organizationId')
@Unique(['organizationId', 'code'])
export class WriteSlotSetting {
  @PrimaryGeneratedColumn() id!: number
  @Column() organizationId!: number
  @Column() code!: string
  @Column() value!: string
  @Column({ unique: true, default: 'primary' }) slot!: string
}

/** The upsert spec's own tables, on top of {@link writeEntities}. */
export const upsertEntities = [WriteSlugPage, WriteSlotSetting]

export const A = 1
export const B = 2
