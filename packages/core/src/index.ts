// @task-coordinator/core: the pure domain of Task Coordinator. No I/O: time and ids are injected.
export * from './errors.js';
export * from './model.js';
export * from './schemas.js';
export * from './schemas-output.js';
export * from './validate.js';
export * from './config.js';
export * from './store.js';
export * from './rows.js';
export { Coordinator, type CoordinatorOptions } from './coordinator.js';
export { createMemoryStore, MemoryBackend } from './memory/index.js';
export {
  ask,
  emptyChange,
  isEmptyChange,
  runSync,
  type Ask,
  type Change,
  type Load,
  type LoadResults,
  type Outcome,
  type Program,
} from './engine/program.js';
export { ChangeSet } from './engine/change-set.js';
export { TRANSITIONS, allows, type Action } from './rules/transitions.js';
export { NO_DEADLINE_KEY, compareClaimOrder, type ClaimResult } from './rules/claim.js';
export type { AddTasksResult } from './rules/add.js';
export type { CompleteResult, TaskResult } from './rules/holder.js';
export type { CleanAllResult } from './rules/admin.js';
export type { HeartbeatResult, ReleaseSlotResult, SlotResult } from './rules/slots.js';
export type { ExpireResult } from './rules/leases.js';
export { defaultClock, defaultIdGenerator } from './defaults.js';
export * from './plan.js';
export * from './board-transfer.js';
