import type { EntityManager } from 'typeorm'
import { SMALL, ticketIdRange, type DatasetSize } from './dataset'
import { BenchTicket } from './model'
import type { FilterKind } from './variants'

export type WorkloadName = 'find-50' | 'find-relation-50' | 'findOneBy-id' | 'count' | 'save-new' | 'update-by-id' | 'qb-two-joins'

/** What one operation gets: the tenant and a ticket id of that tenant, drawn at random. */
export interface OperationInput {
  readonly organization: number
  readonly ticketId: number
  readonly serial: number
}

/** One input drawn with `random`: a tenant, and a ticket id of that tenant. */
export function drawInput(size: DatasetSize, random: () => number, serial: number): OperationInput {
  const organization = 1 + Math.floor(random() * size.organizations)
  const [first] = ticketIdRange(size, organization)
  return { organization, ticketId: first + Math.floor(random() * size.ticketsPerOrganization), serial }
}

export interface Workload {
  readonly name: WorkloadName
  readonly read: boolean
  /** It has a hand-written form that guards the parent only (`handwritten-parent-only` runs it); no other does. */
  readonly parentOnly?: true
  run(manager: EntityManager, filter: FilterKind, input: OperationInput): Promise<unknown>
}

/** Tickets the two-join QueryBuilder reads (each with its comments and its organization). */
const QB_WINDOW = 20

export function workloads(size: DatasetSize): Workload[] {
  return [
    {
      name: 'find-50',
      read: true,
      run: (m, filter, { organization }) =>
        m.find(BenchTicket, { where: filter === 'hand' ? { organizationId: organization } : undefined, order: { id: 'ASC' }, take: 50 }),
    },
    {
      // The hand-written filter guards the parent and the join, as the plugin does: find options cannot put a
      // condition in a join's ON, so it is the QueryBuilder a careful developer writes for this find (the same
      // aliases, the same two statements: TypeORM's DISTINCT query for the 50 ids, then the rows). The form find
      // options allow, `where: { organizationId }` on the parent only, is `handwritten-parent-only`.
      name: 'find-relation-50',
      read: true,
      parentOnly: true,
      run: (m, filter, { organization }) => {
        if (filter === 'hand') {
          return m
            .createQueryBuilder(BenchTicket, 'BenchTicket')
            .leftJoinAndSelect('BenchTicket.comments', 'BenchTicket__BenchTicket_comments', 'BenchTicket__BenchTicket_comments.organizationId = :org')
            .where('BenchTicket.organizationId = :org', { org: organization })
            .orderBy('BenchTicket.id', 'ASC')
            .take(50)
            .getMany()
        }
        return m.find(BenchTicket, {
          where: filter === 'hand-parent' ? { organizationId: organization } : undefined,
          relations: { comments: true },
          order: { id: 'ASC' },
          take: 50,
        })
      },
    },
    {
      name: 'findOneBy-id',
      read: true,
      run: (m, filter, { organization, ticketId }) =>
        m.findOneBy(BenchTicket, filter === 'hand' ? { id: ticketId, organizationId: organization } : { id: ticketId }),
    },
    {
      name: 'count',
      read: true,
      run: (m, filter, { organization }) => m.count(BenchTicket, filter === 'hand' ? { where: { organizationId: organization } } : undefined),
    },
    {
      // Every variant names the tenant on the new row, so the INSERT is the same everywhere.
      name: 'save-new',
      read: false,
      run: (m, _filter, { organization, serial }) =>
        m.save(BenchTicket, m.create(BenchTicket, { organizationId: organization, title: `bench ${serial}` })),
    },
    {
      name: 'update-by-id',
      read: false,
      run: (m, filter, { organization, ticketId, serial }) =>
        m.update(
          BenchTicket,
          filter === 'hand' ? { id: ticketId, organizationId: organization } : { id: ticketId },
          { priority: serial % 5 },
        ),
    },
    {
      // Tickets in a window of the tenant's ids, joined to their organization (not scoped) and comments (scoped).
      name: 'qb-two-joins',
      read: true,
      run: (m, filter, { organization, ticketId }) => {
        const [first, last] = ticketIdRange(size, organization)
        const lo = Math.min(ticketId, last - QB_WINDOW + 1)
        const hand = filter === 'hand'
        const qb = m
          .createQueryBuilder(BenchTicket, 't')
          .innerJoinAndSelect('t.organization', 'o')
          .leftJoinAndSelect('t.comments', 'c', hand ? 'c.organizationId = :org' : undefined)
          .where('t.id BETWEEN :lo AND :hi', { lo: Math.max(lo, first), hi: Math.max(lo, first) + QB_WINDOW - 1 })
        if (hand) qb.andWhere('t.organizationId = :org', { org: organization })
        return qb.orderBy('t.id').addOrderBy('c.id').getMany()
      },
    },
  ]
}

/** Whether `variant` runs `workload`: `handwritten-parent-only` runs only the workloads with such a form. */
export function runsWorkload(variant: { readonly filter: FilterKind }, workload: Workload): boolean {
  return variant.filter !== 'hand-parent' || workload.parentOnly === true
}

/** The workloads that only read (the 1.03 target is about these). */
export const READ_WORKLOADS: readonly WorkloadName[] = workloads(SMALL)
  .filter((workload) => workload.read)
  .map((workload) => workload.name)
