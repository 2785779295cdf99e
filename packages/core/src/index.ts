// @task-coordinator/core: the pure domain of Task Coordinator. No I/O: time and ids are injected.
export * from './errors.js';
export * from './model.js';
export * from './schemas.js';
export * from './schemas-output.js';
export * from './schemas-files.js';
export * from './validate.js';
export * from './config.js';
export * from './store.js';
export { Coordinator, type CoordinatorOptions } from './coordinator.js';
export { createMemoryStore, MemoryBackend } from './memory/index.js';
export {
  ask,
  emptyChange,
  isEmptyChange,
  runSync,
  runAsync,
  type Ask,
  type Change,
  type Load,
  type LoadResults,
  type Near,
  type Outcome,
  type Program,
} from './engine/program.js';
export { ChangeSet } from './engine/change-set.js';
export { EVENT_TEXT_MAX, taskAfterEvent, type RowChange } from './engine/event-row.js';
export { TRANSITIONS, allows, dependencyMet, isTerminal, type Action } from './rules/transitions.js';
export { NO_DEADLINE_KEY, compareClaimOrder, type ClaimResult } from './rules/claim.js';
export type { AddTasksResult } from './rules/add.js';
export type { CompleteResult, TaskResult } from './rules/holder.js';
export type { CleanAllResult } from './rules/admin.js';
export type { ResetTasksResult } from './rules/reset-batch.js';
export type { HeartbeatResult, ReleaseSlotResult, SlotResult } from './rules/slots.js';
export type { ExpireResult } from './rules/leases.js';
export { handoffOf, type Handoff } from './rules/notes.js';
export * from './agents.js';
export { defaultClock, defaultIdGenerator } from './defaults.js';
export * from './plan.js';
export * from './plan-api.js';
export * from './board-transfer.js';
export * from './paging.js';
export * from './rules/webhooks.js';
export * from './schemas-webhooks.js';
export * from './worker-id.js';
export { FILES_LIMITS, normalisePattern, patternProblem } from './files/patterns.js';
export { MATCH_OPTIONS, compilePattern, patternsOverlap, type CompiledPattern } from './files/overlap.js';
export {
  blockedByOf,
  findConflicts,
  HoldingIndex,
  isNear,
  modesConflict,
  nearOf,
  patternBase,
} from './files/conflicts.js';
export { compareReservations, declaredHoldings } from './rules/reservations.js';
export { MAX_FILE_SKIPS } from './rules/claim.js';
