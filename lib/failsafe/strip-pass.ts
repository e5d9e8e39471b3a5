import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata'
import type { RelationMetadata } from 'typeorm/metadata/RelationMetadata'
import type { ScopedEntity } from '../metadata/scoped-entity'
import type { TenantId } from '../tenant-id'
import { FilteredRelationArray, type RelationArrayGuard } from './filtered-relation-array'
import type { LeakEvent } from './leak-event'
import type { PlannedRelation, StripModel } from './strip-model'
import { KEEP, tenantVerdict } from './tenant-verdict'

const NONE: readonly never[] = Object.freeze([])
/** How deep {@link StripPass.tree} goes before it remembers what it walked (a join-loaded tree is never this deep). */
const TREE_DEPTH = 32

/** An entity that lost rows of a relation to the failsafe. */
export interface StrippedRelation {
  readonly owner: object
  readonly relation: RelationMetadata
}

/**
 * One walk over a loaded result for one tenant. It removes rows of other tenants from the result and from
 * every loaded relation below it (collections, to-one relations, resolved lazy relations, tree children),
 * puts a {@link FilteredRelationArray} in each collection of a scoped entity, and records what it removed.
 * It logs nothing and throws nothing: the caller decides (see `FailsafeRuntime.report`).
 *
 * Cycles are walked once. Rows with no tenant value loaded (a partial select) are kept.
 */
export class StripPass {
  // allocated on first use: a pass over rows of the tenant (the common case) allocates nothing but itself
  private found: LeakEvent[] | undefined
  private owners: StrippedRelation[] | undefined
  private visited: Set<object> | undefined
  private guards: Map<PlannedRelation, RelationArrayGuard> | undefined
  /** Set by `FailsafeRuntime.report`: a reported pass takes no more rows. */
  reported = false
  /**
   * Set when the load broadcast filters the whole result itself (before TypeORM fires its load events, or once
   * TypeORM's walk returns when nothing else listens): the subscriber's `afterLoad` has nothing to filter.
   */
  walked = false

  constructor(
    private readonly model: StripModel,
    readonly tenantId: TenantId,
    /** True for a pass run with no tenant in context: any scoped row found is an error, not a leak. */
    readonly failClosed = false,
  ) {}

  private leaked(event: LeakEvent): void {
    ;(this.found ??= []).push(event)
  }

  private lost(stripped: StrippedRelation): void {
    ;(this.owners ??= []).push(stripped)
  }

  /** True while the pass has removed nothing (the common case: `report` has nothing to do). */
  get clean(): boolean {
    return this.found === undefined && this.owners === undefined
  }

  /** The rows of other tenants the pass removed, as reported. */
  get events(): readonly LeakEvent[] {
    return this.found ?? NONE
  }

  /** The entities that lost rows, and through which relations. */
  get stripped(): readonly StrippedRelation[] {
    return this.owners ?? NONE
  }

  /**
   * Filters the root rows of a query of `metadata` and walks what remains (unless `walk` is false: the load
   * events already filtered every relation). Returns the kept rows (the same array when nothing was removed).
   */
  roots<T>(metadata: EntityMetadata, rows: T[], walk = true): T[] {
    const scope = this.model.scope(metadata)
    const path = metadata.name
    const perRow = metadata.childEntityMetadatas.length > 0
    let kept: T[] | undefined
    if (scope !== undefined || perRow) {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as T
        const rowScope = perRow && typeof row === 'object' && row !== null ? this.model.scope(this.model.metadataOf(row, metadata)) : scope
        const found = rowScope !== undefined && typeof row === 'object' && row !== null ? tenantVerdict(rowScope, row, this.tenantId) : KEEP
        if (found === KEEP) {
          kept?.push(row)
          continue
        }
        kept ??= rows.slice(0, i)
        this.leaked(this.event(rowScope!, row as object, found, undefined, path))
      }
    }
    const result = kept ?? rows
    if (!walk) return result
    for (let i = 0; i < result.length; i++) {
      const row = result[i]
      if (typeof row === 'object' && row !== null) this.entity(row, metadata, path)
    }
    return result
  }

  /**
   * Filters the root rows of a join-loaded result and every relation below them, in one call (the load
   * broadcast, before TypeORM fires any `afterLoad`). For a load plan in mode `events` only: no lazy relation
   * and no entity inheritance in the graph, so each entity's metadata is the one of the relation that holds it.
   * A join-loaded result is a tree (TypeORM creates an object per row and alias), so nothing is remembered;
   * below {@link TREE_DEPTH} levels (a graph that is not one) the walk goes on as {@link roots} does.
   */
  tree<T>(metadata: EntityMetadata, rows: T[]): T[] {
    const kept = this.roots(metadata, rows, false)
    this.below(metadata, kept)
    return kept
  }

  /** The relations part of {@link tree}: `rows` are root rows already checked. */
  below(metadata: EntityMetadata, rows: readonly unknown[]): void {
    const plan = this.model.plan(metadata)
    if (plan.length === 0) return
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]
      if (typeof row === 'object' && row !== null) this.branch(row, plan, metadata.name, 0)
    }
  }

  private branch(entity: object, plan: readonly PlannedRelation[], path: string, depth: number): void {
    if (depth > TREE_DEPTH) {
      this.walk(entity, plan, path)
      return
    }
    for (let i = 0; i < plan.length; i++) {
      const planned = plan[i]!
      const value: unknown = readRelation(planned.relation, entity)
      if (value === undefined || value === null || typeof value !== 'object') continue
      const targetPlan = this.model.plan(planned.target)
      if (Array.isArray(value)) {
        const kept = planned.scope !== undefined ? this.filterCollection(entity, planned, planned.scope, value, path) : value
        if (targetPlan.length === 0) continue
        const below = `${path}.${planned.relation.propertyPath}`
        for (let j = 0; j < kept.length; j++) {
          const row: unknown = kept[j]
          if (typeof row === 'object' && row !== null) this.branch(row, targetPlan, below, depth + 1)
        }
      } else {
        if (planned.scope !== undefined && !this.filterSingle(entity, planned, planned.scope, value, path)) continue
        if (targetPlan.length > 0) this.branch(value, targetPlan, `${path}.${planned.relation.propertyPath}`, depth + 1)
      }
    }
  }

  /**
   * Filters rows loaded through `relation` for `owners` (a lazy relation, `relation().of().loadMany()`),
   * recording every owner as stripped when a row is removed. Returns the kept rows.
   */
  relationRows<T>(relation: RelationMetadata, owners: readonly unknown[], rows: T[]): T[] {
    const planned = this.model.plan(relation.entityMetadata).find((p) => p.relation === relation)
    const target = relation.inverseEntityMetadata
    const ownerPath = relation.entityMetadata.name
    let kept = rows
    if (planned?.scope !== undefined) {
      const scope = planned.scope
      kept = rows.filter((row) => {
        if (typeof row !== 'object' || row === null) return true
        const found = tenantVerdict(scope, row, this.tenantId)
        if (found === KEEP) return true
        this.leaked(this.event(scope, row, found, planned, ownerPath))
        return false
      })
      if (kept.length !== rows.length) {
        for (const owner of owners) if (typeof owner === 'object' && owner !== null) this.lost({ owner, relation })
      }
      if (planned.collection) kept = FilteredRelationArray.adopt(kept, this.guard(planned, scope))
    }
    const path = `${ownerPath}.${relation.propertyPath}`
    for (let i = 0; i < kept.length; i++) {
      const row = kept[i]
      if (typeof row === 'object' && row !== null) this.entity(row, target, path)
    }
    return kept
  }

  /** Walks the loaded relations of one entity. */
  entity(entity: object, fallback: EntityMetadata, path: string): void {
    this.walk(entity, this.model.plan(this.model.metadataOf(entity, fallback)), path)
  }

  /**
   * Walks the loaded relations of one entity whose plan is known; `path` is the entity's own (`Ticket.comments`).
   * Paths are built only where the walk goes on below a relation, and a leak's path only when one is found.
   */
  private walk(entity: object, plan: readonly PlannedRelation[], path: string): void {
    let entered = false
    for (let i = 0; i < plan.length; i++) {
      const planned = plan[i]!
      const value: unknown = readRelation(planned.relation, entity)
      if (value === undefined || value === null || typeof value !== 'object') continue
      // only an entity with a loaded relation can be part of a cycle: leaves are not remembered
      if (!entered) {
        const visited = (this.visited ??= new Set())
        if (visited.has(entity)) return
        visited.add(entity)
        entered = true
      }
      if (Array.isArray(value)) this.collection(entity, planned, value, path)
      else this.single(entity, planned, value, path)
    }
  }

  /**
   * Filters only the direct relations of one entity whose target is scoped (the subscriber's `afterLoad`:
   * TypeORM fires it for the children before their parent). `metadata` is the entity's own (`model.metadataOf`),
   * `plan` is `model.scopedPlan(metadata)`.
   */
  shallow(entity: object, metadata: EntityMetadata, plan: readonly PlannedRelation[]): void {
    // a row of another tenant is removed as a whole where it is returned or referenced: its relations are noise
    const own = this.model.scope(metadata)
    if (own !== undefined && tenantVerdict(own, entity, this.tenantId) !== KEEP) return
    for (let i = 0; i < plan.length; i++) {
      const planned = plan[i]!
      const value: unknown = readRelation(planned.relation, entity)
      if (value === undefined || value === null || typeof value !== 'object') continue
      if (Array.isArray(value)) this.filterCollection(entity, planned, planned.scope!, value, metadata.name)
      else this.filterSingle(entity, planned, planned.scope!, value, metadata.name)
    }
  }

  /** `ownerPath`: the path of `owner`; a foreign row's path is `${ownerPath}.${property}` (so is a kept row's). */
  private collection(owner: object, planned: PlannedRelation, rows: unknown[], ownerPath: string): void {
    const kept =
      planned.scope !== undefined
        ? this.filterCollection(owner, planned, planned.scope, rows, ownerPath)
        : planned.target.childEntityMetadatas.length > 0
          ? this.filterSubclassRows(owner, planned, rows, ownerPath)
          : rows
    // indexed, not for-of: iterating an Array subclass leaves V8's fast path
    const target = planned.target
    const targetPlan = this.model.plan(target)
    if (targetPlan.length === 0 && target.childEntityMetadatas.length === 0) return
    const path = `${ownerPath}.${planned.relation.propertyPath}`
    for (let i = 0; i < kept.length; i++) {
      const row = kept[i]
      if (typeof row !== 'object' || row === null) continue
      if ((row as { constructor?: unknown }).constructor === target.target) this.walk(row, targetPlan, path)
      else this.entity(row, target, path)
    }
  }

  private single(owner: object, planned: PlannedRelation, row: object, ownerPath: string): void {
    const metadata = this.model.metadataOf(row, planned.target)
    const scope = planned.scope ?? (planned.target.childEntityMetadatas.length > 0 ? this.model.scope(metadata) : undefined)
    if (scope !== undefined && !this.filterSingle(owner, planned, scope, row, ownerPath)) return
    const plan = this.model.plan(metadata)
    if (plan.length > 0) this.walk(row, plan, `${ownerPath}.${planned.relation.propertyPath}`)
  }

  /** Removes foreign rows from a collection and guards it; returns the kept rows. */
  private filterCollection(owner: object, planned: PlannedRelation, scope: ScopedEntity, rows: unknown[], ownerPath: string): unknown[] {
    let kept: unknown[] | undefined
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]
      if (typeof row !== 'object' || row === null) {
        kept?.push(row)
        continue
      }
      const found = tenantVerdict(scope, row, this.tenantId)
      if (found === KEEP) {
        kept?.push(row)
        continue
      }
      kept ??= rows.slice(0, i)
      this.leaked(this.event(scope, row, found, planned, ownerPath))
    }
    if (kept !== undefined) this.lost({ owner, relation: planned.relation })
    if (!planned.collection) {
      if (kept !== undefined) writeRelation(planned.relation, owner, kept)
      return kept ?? rows
    }
    if (kept === undefined && FilteredRelationArray.isGuardedFor(rows, this.tenantId)) return rows
    // a guarded copy replaces TypeORM's array on the entity (TypeORM keeps no reference to it)
    const guarded = FilteredRelationArray.adopt(kept ?? rows, this.guard(planned, scope))
    writeRelation(planned.relation, owner, guarded)
    return guarded
  }

  /** A collection of an unscoped entity whose subclasses may be scoped (single-table inheritance): each row is judged by its own class. */
  private filterSubclassRows(owner: object, planned: PlannedRelation, rows: unknown[], ownerPath: string): unknown[] {
    const kept = rows.filter((row) => {
      if (typeof row !== 'object' || row === null) return true
      const scope = this.model.scope(this.model.metadataOf(row, planned.target))
      if (scope === undefined) return true
      const found = tenantVerdict(scope, row, this.tenantId)
      if (found === KEEP) return true
      this.leaked(this.event(scope, row, found, planned, ownerPath))
      return false
    })
    if (kept.length === rows.length) return rows
    this.lost({ owner, relation: planned.relation })
    writeRelation(planned.relation, owner, kept)
    return kept
  }

  /** Removes a foreign to-one row (the property becomes `undefined`, which `save` ignores); true when kept. */
  private filterSingle(owner: object, planned: PlannedRelation, scope: ScopedEntity, row: object, ownerPath: string): boolean {
    const found = tenantVerdict(scope, row, this.tenantId)
    if (found === KEEP) return true
    this.leaked(this.event(scope, row, found, planned, ownerPath))
    this.lost({ owner, relation: planned.relation })
    writeRelation(planned.relation, owner, undefined)
    return false
  }

  /** One frozen guard per relation and pass (the pass has one tenant), shared by the collections it guards. */
  private guard(planned: PlannedRelation, scope: ScopedEntity): RelationArrayGuard {
    let guard = this.guards?.get(planned)
    if (guard === undefined) {
      guard = Object.freeze({ scope, tenantId: this.tenantId, relation: planned.label })
      ;(this.guards ??= new Map()).set(planned, guard)
    }
    return guard
  }

  /**
   * The event of a removed row: a root row (`planned` undefined) at `at`, or a row of the relation `planned` of
   * an entity at `at`.
   */
  private event(scope: ScopedEntity, row: object, found: unknown, planned: PlannedRelation | undefined, at: string): LeakEvent {
    const metadata = this.model.metadataOf(row, scope.metadata)
    return Object.freeze({
      entity: metadata.name,
      relation: planned?.label ?? null,
      primaryKey: metadata.getEntityIdMixedMap(row),
      expectedTenant: this.tenantId,
      foundTenant: found,
      path: planned === undefined ? at : `${at}.${planned.relation.propertyPath}`,
    })
  }
}

/**
 * Replaces a loaded relation's value. Not `RelationMetadata.setEntityValue`: it deep-merges into an existing
 * object or array instead of replacing it. A lazy relation's loaded value lives in `__name__`.
 */
function writeRelation(relation: RelationMetadata, entity: object, value: unknown): void {
  let holder = entity as Record<string, unknown>
  if (relation.embeddedMetadata) {
    for (const name of relation.embeddedMetadata.parentPropertyNames) {
      const next = holder[name]
      if (typeof next !== 'object' || next === null) return
      holder = next as Record<string, unknown>
    }
  }
  holder[relation.isLazy ? `__${relation.propertyName}__` : relation.propertyName] = value
}

/** A loaded relation's value: a plain property read unless the relation is lazy or inside an embedded. */
export function readRelation(relation: RelationMetadata, entity: object): unknown {
  if (!relation.isLazy && relation.embeddedMetadata === undefined) return (entity as Record<string, unknown>)[relation.propertyName]
  return relation.getEntityValue(entity)
}
