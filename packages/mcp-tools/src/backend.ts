// What the tools need from a coordinator: the server passes its store, the stdio client an HTTP client.
import type {
  AddTasksInput,
  AddTasksResult,
  CancelTaskInput,
  ClaimNextInput,
  ClaimResult,
  ClaimSlotInput,
  ClaimTaskInput,
  CleanAllInput,
  CleanAllResult,
  CompleteResult,
  CompleteTaskInput,
  FailTaskInput,
  GetTaskInput,
  HeartbeatInput,
  HeartbeatResult,
  HistoryQuery,
  ListTasksQuery,
  ReleaseSlotInput,
  ReleaseSlotResult,
  ReleaseTaskInput,
  ResetTaskInput,
  SlotResult,
  SlotView,
  StartTaskInput,
  TaskDetail,
  TaskEvent,
  TaskPage,
  TaskResult,
} from '@task-coordinator/core';

/**
 * The coordinator as the tools see it: the Store's methods (same names, same inputs) plus
 * claim-next with a wait. Errors are DomainErrors carrying a code, whichever side implements it.
 */
export interface ToolBackend {
  addTasks(input: AddTasksInput): Promise<AddTasksResult>;
  listTasks(query: ListTasksQuery): Promise<TaskPage>;
  getTask(input: GetTaskInput): Promise<TaskDetail>;
  taskHistory(query: HistoryQuery): Promise<TaskEvent[]>;
  claimTask(input: ClaimTaskInput): Promise<ClaimResult>;
  /** claim-next, waiting up to `waitMs` for work (0: answer at once). */
  claimNext(input: ClaimNextInput, waitMs: number, signal?: AbortSignal): Promise<ClaimResult | null>;
  startTask(input: StartTaskInput): Promise<TaskResult>;
  completeTask(input: CompleteTaskInput): Promise<CompleteResult>;
  failTask(input: FailTaskInput): Promise<TaskResult>;
  releaseTask(input: ReleaseTaskInput): Promise<TaskResult>;
  resetTask(input: ResetTaskInput): Promise<TaskResult>;
  cancelTask(input: CancelTaskInput): Promise<TaskResult>;
  cleanAll(input: CleanAllInput): Promise<CleanAllResult>;
  claimSlot(input: ClaimSlotInput): Promise<SlotResult>;
  releaseSlot(input: ReleaseSlotInput): Promise<ReleaseSlotResult>;
  listSlots(input: { project?: string }): Promise<SlotView[]>;
  heartbeat(input: HeartbeatInput): Promise<HeartbeatResult>;
}
