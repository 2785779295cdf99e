// What the tools need from a coordinator: the server passes its store, the stdio client an HTTP client.
import type {
  AskQuestionInput,
  ClaimNextInput,
  ClaimResult,
  SlotView,
  Store,
  Task,
  TaskAnswer,
} from '@task-coordinator/core';

/**
 * The coordinator as the tools see it: the Store's methods (same names, same inputs) plus
 * claim-next with a wait. Errors are DomainErrors carrying a code, whichever side implements it.
 */
export type ToolBackend = Pick<
  Store,
  | 'addTasks'
  | 'listTasks'
  | 'getTask'
  | 'taskHistory'
  | 'claimTask'
  | 'startTask'
  | 'completeTask'
  | 'failTask'
  | 'releaseTask'
  | 'resetTask'
  | 'cancelTask'
  | 'cleanAll'
  | 'claimSlot'
  | 'releaseSlot'
  | 'heartbeat'
  | 'askQuestion'
  | 'addNote'
  | 'reserveFiles'
  | 'releaseFiles'
  | 'checkFiles'
> & {
  listSlots(input: { project?: string }): Promise<SlotView[]>;
  /** claim-next, waiting up to `waitMs` for work (0: answer at once). */
  claimNext(input: ClaimNextInput, waitMs: number, signal?: AbortSignal): Promise<ClaimResult | null>;
  /** Asks (the holder only) and waits up to `waitMs` for the answer; answer null when none came. */
  ask(
    input: AskQuestionInput,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<{ task: Task; answer: TaskAnswer | null }>;
};
