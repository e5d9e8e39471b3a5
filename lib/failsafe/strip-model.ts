import type { DataSource } from 'typeorm'
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { RelationMetadata } from 'typeorm/metadata/RelationMetadata'
import type { ScopedEntity } from '../metadata/scoped-entity'

/** A relation the strip pass has to look into: its target is scoped, or leads to a scoped entity. */
export interface PlannedRelation {
  readonly relation: RelationMetadata
  readonly target: EntityMetadata
  /** The scope of the target, when the target itself is tenant-scoped. */
  readonly scope: ScopedEntity | undefined
  /** One-to-many or many-to-many. */
  readonly collection: boolean
  /** `Owner.property`, for events and messages. */
  readonly label: string
}

/** See {@link StripModel.loadPlan}. */
export type LoadMode = 'inert' | 'events' | 'walk'

/** What a load of one entity needs, decided once per metadata: see {@link StripModel.loadPlan}. */
export interface LoadPlan {
  readonly mode: LoadMode
  /**
   * True when an entity of the graph the load can fill has an entity listener `@AfterLoad()`: TypeORM runs it
   * before any subscriber of that entity, so it would see a relation before the subscriber filters it.
   */
  readonly listened: boolean
  /**
   * True when no entity a load can fill through any of its relations (those the pass does not follow included)
   * has an entity listener `@AfterLoad()`. With no other subscriber listening either, TypeORM's load broadcast
   * then calls nothing but the failsafe's subscriber, which a result filtered whole does not need: see
   * `patchFailsafe`.
   */
  readonly quiet: boolean
}

/**
 * What the strip pass needs to know about a DataSource's entities, computed once per metadata build:
 * for each entity, the relations that can reach a tenant-scoped entity (directly or through unscoped ones).
 * Relations that cannot are never looked at, so unscoped graphs cost nothing.
 */
export class StripModel {
  private builtFor: readonly EntityMetadata[] | undefined
  private plans = new Map<EntityMetadata, readonly PlannedRelation[]>()
  private scopedPlans = new Map<EntityMetadata, readonly PlannedRelation[]>()
  private loadPlans = new Map<EntityMetadata, LoadPlan>()
  private byTarget = new Map<unknown, EntityMetadata | null>()
  private lastScoped: EntityMetadata | undefined
  private lastScopedPlan: readonly PlannedRelation[] = []

  constructor(
    private readonly dataSource: DataSource,
    private readonly scopeOf: (metadata: EntityMetadata) => ScopedEntity | undefined,
  ) {}

  /** The scope of an entity, or `undefined` when it is not tenant-scoped. */
  scope(metadata: EntityMetadata): ScopedEntity | undefined {
    return this.scopeOf(metadata)
  }

  /** The relations of `metadata` the pass must follow. */
  plan(metadata: EntityMetadata): readonly PlannedRelation[] {
    this.refresh()
    return this.plans.get(metadata) ?? this.planFor(metadata)
  }

  /** The relations of `metadata` whose target is itself scoped (what the subscriber's `afterLoad` filters). */
  scopedPlan(metadata: EntityMetadata): readonly PlannedRelation[] {
    // load events come in runs of one entity type: remember the last answer (a metadata object's plan never
    // changes; a rebuilt DataSource has new metadata objects)
    if (metadata === this.lastScoped) return this.lastScopedPlan
    this.refresh()
    let plan = this.scopedPlans.get(metadata)
    if (plan === undefined) this.scopedPlans.set(metadata, (plan = this.plan(metadata).filter((p) => p.scope !== undefined)))
    this.lastScoped = metadata
    this.lastScopedPlan = plan
    return plan
  }

  /**
   * What a load of `metadata` needs, decided once per metadata (one lookup per query). Its `mode`:
   * - `inert`: nothing to check (unscoped, no subclasses, no relation leading to a scoped entity);
   * - `events`: the subscriber's `afterLoad` alone filters every relation a join-loaded result can hold (TypeORM
   *   fires it for every entity of the graph, and the subscriber filters each one's scoped relations);
   * - `walk`: the result must be walked as a whole, because the graph can hold a lazy relation (TypeORM does not
   *   broadcast into one loaded by a join) or an entity with subclasses (a subclass's own relations are not
   *   broadcast, and an unscoped parent class may have scoped subclasses).
   */
  loadPlan(metadata: EntityMetadata): LoadPlan {
    this.refresh()
    let found = this.loadPlans.get(metadata)
    if (found === undefined) {
      const graph = this.graph(metadata)
      const inert = this.scopeOf(metadata) === undefined && metadata.childEntityMetadatas.length === 0 && this.plan(metadata).length === 0
      const covered = graph.every((m) => m.childEntityMetadatas.length === 0 && !m.parentEntityMetadata && this.plan(m).every((p) => !p.relation.isLazy))
      found = Object.freeze({
        mode: inert ? 'inert' : covered ? 'events' : 'walk',
        listened: graph.some((m) => m.afterLoadListeners.length > 0),
        quiet: reachable(metadata).every((m) => m.afterLoadListeners.length === 0),
      })
      this.loadPlans.set(metadata, found)
    }
    return found
  }

  /** `metadata` and every entity a load of it can fill through the relations the pass follows, transitively. */
  private graph(metadata: EntityMetadata): EntityMetadata[] {
    return closure(metadata, (m) => this.plan(m).map((planned) => planned.target))
  }

  /**
   * The metadata of a loaded object: its class's when it is an entity class instance (a subclass of an
   * inheritance tree has more relations than its parent), else `fallback` (entity schemas load plain objects).
   */
  metadataOf(entity: object, fallback: EntityMetadata): EntityMetadata {
    const constructor = (entity as { constructor?: unknown }).constructor
    if (constructor === fallback.target || typeof constructor !== 'function' || constructor === Object) return fallback
    this.refresh()
    let found = this.byTarget.get(constructor)
    if (found === undefined) {
      found = this.dataSource.entityMetadatas.find((m) => m.target === constructor) ?? null
      this.byTarget.set(constructor, found)
    }
    return found ?? fallback
  }

  private refresh(): void {
    const metadatas = this.dataSource.entityMetadatas
    if (this.builtFor === metadatas) return
    this.builtFor = metadatas
    this.byTarget = new Map()
    this.scopedPlans = new Map()
    this.loadPlans = new Map()
    const reaching = new Set<EntityMetadata>(metadatas.filter((m) => this.scopeOf(m) !== undefined))
    for (let changed = true; changed; ) {
      changed = false
      for (const metadata of metadatas) {
        if (reaching.has(metadata)) continue
        if (metadata.relations.some((r) => reaching.has(r.inverseEntityMetadata))) {
          reaching.add(metadata)
          changed = true
        }
      }
    }
    const plans = new Map<EntityMetadata, readonly PlannedRelation[]>()
    for (const metadata of metadatas) {
      plans.set(
        metadata,
        metadata.relations
          .filter((relation) => reaching.has(relation.inverseEntityMetadata))
          .map((relation) => this.planned(relation)),
      )
    }
    this.plans = plans
  }

  /** A metadata that is not in the DataSource's list (should not happen): plan it on the spot. */
  private planFor(metadata: EntityMetadata): readonly PlannedRelation[] {
    const plan = metadata.relations.map((relation) => this.planned(relation))
    this.plans.set(metadata, plan)
    return plan
  }

  private planned(relation: RelationMetadata): PlannedRelation {
    return Object.freeze({
      relation,
      target: relation.inverseEntityMetadata,
      scope: this.scopeOf(relation.inverseEntityMetadata),
      collection: relation.isOneToMany || relation.isManyToMany,
      label: `${relation.entityMetadata.name}.${relation.propertyPath}`,
    })
  }
}

/**
 * `metadata` and every entity reachable from it through any relation, transitively: the entities whose
 * `afterLoadListeners` TypeORM's load broadcast can call for a load of `metadata` (it follows
 * `relation.inverseEntityMetadata` of every loaded relation). Subclasses are counted in too, though TypeORM
 * calls the listeners of the relation's own metadata only: one listener too many makes a load take TypeORM's
 * walk, one too few would skip a listener.
 */
function reachable(metadata: EntityMetadata): EntityMetadata[] {
  return closure(metadata, (m) => [...m.relations.map((relation) => relation.inverseEntityMetadata), ...m.childEntityMetadatas])
}

/** `start` and every metadata `next` leads to from it, transitively, each once. */
function closure(start: EntityMetadata, next: (metadata: EntityMetadata) => readonly EntityMetadata[]): EntityMetadata[] {
  const seen = new Set<EntityMetadata>([start])
  const stack = [start]
  while (stack.length > 0) {
    for (const target of next(stack.pop()!)) {
      if (!seen.has(target)) {
        seen.add(target)
        stack.push(target)
      }
    }
  }
  return [...seen]
}
