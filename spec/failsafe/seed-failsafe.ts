import type { DataSource } from 'typeorm'
import { runWithoutTenant } from '../../lib'
import { A, B, FsAddress, FsBoard, FsCard, FsCharter, FsCustomer, FsFolder, FsLabel, FsMilestone, FsNote, FsPerson, FsPin, FsProject, FsTag, FsTask, FsTemplate } from './failsafe-model'

export interface SeededLeaks {
  customer: FsCustomer
  addressA: FsAddress
  addressB: FsAddress
  projA: FsProject
  projB: FsProject
  personB: FsPerson
  taskA: FsTask
  taskB: FsTask
  labelA: FsLabel
  labelB: FsLabel
  charterB: FsCharter
  milestoneA: FsMilestone
  milestoneB: FsMilestone
  pinA: FsPin
  pinB: FsPin
  rootA: FsFolder
  childA: FsFolder
  childB: FsFolder
  rootB: FsFolder
  boardA: FsBoard
  boardB: FsBoard
  cardA: FsCard
  cardB: FsCard
  noteA: FsNote
  noteB: FsNote
  tagA: FsTag
  tagB: FsTag
}

/**
 * Two tenants, with rows of B planted in every relation of A's rows (as a missing filter would load them):
 * B's address on the central customer, B's task/label/charter/owner/milestone/pin on A's project, B's folder
 * under A's folder, and A's label on B's project. On A's board (a graph with no lazy relation): B's card, tag
 * and owner, and on A's card B's note and B as assignee.
 */
export function seedLeaks(dataSource: DataSource): Promise<SeededLeaks> {
  return runWithoutTenant(async () => {
    const m = dataSource.manager
    const customer = await m.save(FsCustomer, { name: 'Ada' })
    const addressA = await m.save(FsAddress, { merchantId: A, email: 'ada@merchant-a', customer })
    const addressB = await m.save(FsAddress, { merchantId: B, email: 'ada@merchant-b', customer })
    const personA = await m.save(FsPerson, { tenantId: A, name: 'Alice' })
    const personB = await m.save(FsPerson, { tenantId: B, name: 'Bob' })
    const labelA = await m.save(FsLabel, { tenantId: A, text: 'label-a' })
    const labelB = await m.save(FsLabel, { tenantId: B, text: 'label-b' })
    const projA = await m.save(FsProject, { tenantId: A, name: 'project-a', owner: personB, labels: [labelA, labelB] })
    const projB = await m.save(FsProject, { tenantId: B, name: 'project-b', owner: personA, labels: [labelB, labelA] })
    const taskA = await m.save(FsTask, { tenantId: A, title: 'task-a', project: projA })
    const taskB = await m.save(FsTask, { tenantId: B, title: 'task-b planted on project-a', project: projA })
    await m.save(FsTask, { tenantId: B, title: 'task-b', project: projB })
    const charterB = await m.save(FsCharter, { tenantId: B, text: 'charter-b planted on project-a', project: projA })
    const milestoneA = m.create(FsMilestone, { tenantId: A, title: 'milestone-a', projectId: projA.id })
    const milestoneB = m.create(FsMilestone, { tenantId: B, title: 'milestone-b planted on project-a', projectId: projA.id })
    await m.save([milestoneA, milestoneB])
    const pinA = await m.save(FsPin, { tenantId: A, text: 'pin-a', project: projA })
    const pinB = await m.save(FsPin, { tenantId: B, text: 'pin-b planted on project-a', project: projA })
    await m.save(FsTemplate, [
      { tenantId: null, name: 'shared', customer },
      { tenantId: A, name: 'template-a', customer },
      { tenantId: B, name: 'template-b', customer },
    ])
    const rootA = await m.save(FsFolder, { tenantId: A, name: 'root-a', parent: null })
    const childA = await m.save(FsFolder, { tenantId: A, name: 'child-a', parent: rootA })
    const childB = await m.save(FsFolder, { tenantId: B, name: 'child-b planted under root-a', parent: rootA })
    const rootB = await m.save(FsFolder, { tenantId: B, name: 'root-b', parent: null })
    const tagA = await m.save(FsTag, { tenantId: A, text: 'tag-a' })
    const tagB = await m.save(FsTag, { tenantId: B, text: 'tag-b' })
    const boardA = await m.save(FsBoard, { tenantId: A, name: 'board-a', owner: personB, tags: [tagA, tagB] })
    const boardB = await m.save(FsBoard, { tenantId: B, name: 'board-b', owner: personB, tags: [tagB] })
    const cardA = await m.save(FsCard, { tenantId: A, title: 'card-a', board: boardA, assignee: personB })
    const cardB = await m.save(FsCard, { tenantId: B, title: 'card-b planted on board-a', board: boardA, assignee: personB })
    await m.save(FsCard, { tenantId: B, title: 'card-b', board: boardB })
    const noteA = await m.save(FsNote, { tenantId: A, text: 'note-a', card: cardA })
    const noteB = await m.save(FsNote, { tenantId: B, text: 'note-b planted on card-a', card: cardA })
    return { boardA, boardB, cardA, cardB, noteA, noteB, tagA, tagB, customer, addressA, addressB, projA, projB, personB, taskA, taskB, labelA, labelB, charterB, milestoneA, milestoneB, pinA, pinB, rootA, childA, childB, rootB }
  })
}
