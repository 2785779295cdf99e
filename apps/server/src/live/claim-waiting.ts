// claim-next with a wait: try, sleep until an event may have made work claimable, try again.
import {
  DomainError,
  parseInput,
  ProjectOrDefaultSchema,
  type ClaimNextInput,
  type ClaimResult,
  type Store,
} from '@task-coordinator/core';
import type { Wakeups } from './wakeups.js';

export const MAX_WAIT_SECONDS = 60;

/**
 * Claims the best available task, waiting up to `waitMs` for one. No database polling: between
 * attempts it sleeps until an event says work (or a slot) may have appeared. A client that went
 * away (signal aborted) gets nothing claimed: a claim that raced with the disconnect is released.
 */
export async function claimNextWaiting(
  store: Store,
  wakeups: Wakeups,
  input: ClaimNextInput,
  waitMs: number,
  signal: AbortSignal,
): Promise<ClaimResult | null> {
  const deadline = Date.now() + waitMs;
  const project = parseInput(ProjectOrDefaultSchema, input.project, 'project');
  for (;;) {
    const armed = wakeups.arm(project);
    try {
      let result: ClaimResult | null;
      try {
        result = await store.claimNextTask(input);
      } catch (error) {
        // All slots taken: while waiting, that is "no work for you yet", not a failure.
        if (!(error instanceof DomainError && error.code === 'NO_FREE_SLOT' && waitMs > 0 && Date.now() < deadline))
          throw error;
        result = null;
      }
      if (result) {
        if (signal.aborted && !result.resumed) {
          // Nobody will work on it: give back the task and the slot the claim may have taken.
          await store.releaseSlot({
            ...(input.project ? { project: input.project } : {}),
            slot: result.slot,
            workerId: input.workerId,
          });
          return null;
        }
        return result;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal.aborted) return null;
      const outcome = await armed.wait(remaining, signal);
      if (outcome !== 'woken') return null;
    } finally {
      armed.disarm();
    }
  }
}
