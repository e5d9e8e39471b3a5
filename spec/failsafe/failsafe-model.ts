import {
  Column,
  DeleteDateColumn,
  Entity,
  JoinColumn,
  JoinTable,
  ManyToMany,
  ManyToOne,
  OneToMany,
  OneToOne,
  PrimaryGeneratedColumn,
  Tree,
  TreeChildren,
  TreeParent,
} from 'typeorm'
import { TenantScoped } from '../../lib'

/** Tenant ids of the failsafe specs: A reads, B owns the rows that must never reach A. */
export const A = 1
export const B = 2

// ---- the seed's case: a central (unscoped) Customer whose addresses are per merchant -------------------

@Entity()
export class FsCustomer {
  @PrimaryGeneratedColumn() id!: number
  @Column() name!: string
  @OneToMany(() => FsAddress, (a) => a.customer) addresses!: FsAddress[]
}

@Entity()
@TenantScoped('merchantId')
export class FsAddress {
  @PrimaryGeneratedColumn() id!: number
  @Column() merchantId!: number
  @Column() email!: string
  @ManyToOne(() => FsCustomer, (c) => c.addresses, { nullable: true }) customer!: FsCustomer | null
  @Column({ nullable: true }) customerId!: number | null
}

// ---- every relation kind, on a scoped parent ----------------------------------------------------------

@Entity()
@TenantScoped('tenantId')
export class FsPerson {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() name!: string
}

@Entity()
@TenantScoped('tenantId')
export class FsProject {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() name!: string
  /** one-to-many */
  @OneToMany(() => FsTask, (t) => t.project) tasks!: FsTask[]
  /** many-to-many, owner side */
  @ManyToMany(() => FsLabel, (l) => l.projects) @JoinTable() labels!: FsLabel[]
  /** one-to-one, inverse side */
  @OneToOne(() => FsCharter, (c) => c.project) charter!: FsCharter | null
  /** many-to-one */
  @ManyToOne(() => FsPerson, { nullable: true }) owner!: FsPerson | null
  @Column({ nullable: true }) ownerId!: number | null
  /** one-to-many, lazy */
  @OneToMany(() => FsMilestone, (m) => m.project) milestones!: Promise<FsMilestone[]>
  /** one-to-many, eager */
  @OneToMany(() => FsPin, (p) => p.project, { eager: true }) pins!: FsPin[]
}

@Entity()
@TenantScoped('tenantId')
export class FsTask {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() title!: string
  @ManyToOne(() => FsProject, (p) => p.tasks, { nullable: true }) project!: FsProject | null
  @Column({ nullable: true }) projectId!: number | null
}

@Entity()
@TenantScoped('tenantId')
export class FsLabel {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() text!: string
  /** many-to-many, inverse side */
  @ManyToMany(() => FsProject, (p) => p.labels) projects!: FsProject[]
}

@Entity()
@TenantScoped('tenantId')
export class FsCharter {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() text!: string
  @OneToOne(() => FsProject, (p) => p.charter, { nullable: true }) @JoinColumn() project!: FsProject | null
  @Column({ nullable: true }) projectId!: number | null
}

@Entity()
@TenantScoped('tenantId')
export class FsMilestone {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() title!: string
  @ManyToOne(() => FsProject, (p) => p.milestones, { nullable: true }) project!: Promise<FsProject | null>
  @Column({ nullable: true }) projectId!: number | null
}

@Entity()
@TenantScoped('tenantId')
export class FsPin {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() text!: string
  @ManyToOne(() => FsProject, (p) => p.pins, { nullable: true }) project!: FsProject | null
  @Column({ nullable: true }) projectId!: number | null
}

/** Rows with a NULL tenant are shared: every tenant reads them. */
@Entity()
@TenantScoped('tenantId', { shared: 'null' })
export class FsTemplate {
  @PrimaryGeneratedColumn() id!: number
  @Column({ type: 'int', nullable: true }) tenantId!: number | null
  @Column() name!: string
  @ManyToOne(() => FsCustomer, { nullable: true }) customer!: FsCustomer | null
  @Column({ nullable: true }) customerId!: number | null
}

/** A scoped closure-table tree. */
@Entity()
@Tree('closure-table')
@TenantScoped('tenantId')
export class FsFolder {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() name!: string
  @TreeChildren() children!: FsFolder[]
  @TreeParent() parent!: FsFolder | null
}

// ---- a graph TypeORM's load events see whole (no lazy relation, no inheritance) --------------------------
// The load broadcast filters such a join-loaded result in one call (load plan `events`); FsProject's lazy
// milestones make its graph one the failsafe walks when the query returns (`walk`).

@Entity()
@TenantScoped('tenantId')
export class FsBoard {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() name!: string
  /** one-to-many, whose rows have a one-to-many and a many-to-one of their own */
  @OneToMany(() => FsCard, (c) => c.board) cards!: FsCard[]
  /** many-to-many */
  @ManyToMany(() => FsTag) @JoinTable() tags!: FsTag[]
  /** many-to-one */
  @ManyToOne(() => FsPerson, { nullable: true }) owner!: FsPerson | null
}

@Entity()
@TenantScoped('tenantId')
export class FsCard {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() title!: string
  @ManyToOne(() => FsBoard, (b) => b.cards, { nullable: true }) board!: FsBoard | null
  @ManyToOne(() => FsPerson, { nullable: true }) assignee!: FsPerson | null
  @OneToMany(() => FsNote, (n) => n.card) notes!: FsNote[]
}

@Entity()
@TenantScoped('tenantId')
export class FsNote {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() text!: string
  @ManyToOne(() => FsCard, (c) => c.notes, { nullable: true }) card!: FsCard | null
}

@Entity()
@TenantScoped('tenantId')
export class FsTag {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() text!: string
}

export const leakEntities = [FsCustomer, FsAddress, FsPerson, FsProject, FsTask, FsLabel, FsCharter, FsMilestone, FsPin, FsTemplate, FsFolder, FsBoard, FsCard, FsNote, FsTag]

// ---- one-to-many under every orphanedRowAction ---------------------------------------------------------

@Entity()
@TenantScoped('tenantId')
export class FsBasket {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() name!: string
  @OneToMany(() => FsItemNullify, (i) => i.basket) nullifyItems!: FsItemNullify[]
  @OneToMany(() => FsItemDelete, (i) => i.basket) deleteItems!: FsItemDelete[]
  @OneToMany(() => FsItemSoftDelete, (i) => i.basket) softDeleteItems!: FsItemSoftDelete[]
  @OneToMany(() => FsItemDisable, (i) => i.basket) disableItems!: FsItemDisable[]
  @ManyToMany(() => FsLabel) @JoinTable() labels!: FsLabel[]
}

@Entity()
@TenantScoped('tenantId')
export class FsItemNullify {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() name!: string
  @ManyToOne(() => FsBasket, (b) => b.nullifyItems, { nullable: true, orphanedRowAction: 'nullify' }) basket!: FsBasket | null
  @Column({ nullable: true }) basketId!: number | null
}

@Entity()
@TenantScoped('tenantId')
export class FsItemDelete {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() name!: string
  @ManyToOne(() => FsBasket, (b) => b.deleteItems, { nullable: true, orphanedRowAction: 'delete' }) basket!: FsBasket | null
  @Column({ nullable: true }) basketId!: number | null
}

@Entity()
@TenantScoped('tenantId')
export class FsItemSoftDelete {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() name!: string
  @ManyToOne(() => FsBasket, (b) => b.softDeleteItems, { nullable: true, orphanedRowAction: 'soft-delete' }) basket!: FsBasket | null
  @Column({ nullable: true }) basketId!: number | null
  @DeleteDateColumn() deletedAt!: Date | null
}

@Entity()
@TenantScoped('tenantId')
export class FsItemDisable {
  @PrimaryGeneratedColumn() id!: number
  @Column() tenantId!: number
  @Column() name!: string
  @ManyToOne(() => FsBasket, (b) => b.disableItems, { nullable: true, orphanedRowAction: 'disable' }) basket!: FsBasket | null
  @Column({ nullable: true }) basketId!: number | null
}

export const dataLossEntities = [...leakEntities, FsBasket, FsItemNullify, FsItemDelete, FsItemSoftDelete, FsItemDisable]

/** A logger that records the failsafe's warnings. */
export class RecordingLogger {
  readonly warnings: Array<{ obj: Record<string, unknown>; msg: string }> = []
  warn(obj: object, msg: string): void {
    this.warnings.push({ obj: obj as Record<string, unknown>, msg })
  }
  clear(): void {
    this.warnings.length = 0
  }
}
