// ask with a wait: put the question, then sleep until an event of that task may have answered it.
import {
  parseInput,
  ProjectOrDefaultSchema,
  type AskQuestionInput,
  type Store,
  type Task,
  type TaskAnswer,
} from '@task-coordinator/core';

export interface AskOutcome {
  task: Task;
  /** The answer to this question; null when none came within the wait (read it later from the task). */
  answer: TaskAnswer | null;
}

/** The answer `task` carries for the question asked at `askedAt`, if any. */
export function answerSince(task: Task, askedAt: number): TaskAnswer | null {
  return task.answer !== null && task.answer.answeredAt >= askedAt ? task.answer : null;
}

/**
 * Asks (the holder only; LEASE_LOST otherwise) and waits up to `waitMs` for a person's answer,
 * without polling the database: it re-reads the task only after one of the task's own events.
 * The wait is capped at half the lease TTL: asking again (the same question) renews the lease,
 * so an agent that waits in a loop never loses its task while the question is open.
 */
export async function askWaiting(
  store: Store,
  input: AskQuestionInput,
  waitMs: number,
  signal: AbortSignal,
): Promise<AskOutcome> {
  const project = parseInput(ProjectOrDefaultSchema, input.project, 'project');
  let wake: (() => void) | null = null;
  let changed = false;
  const unsubscribe = store.subscribe((event) => {
    if (event.taskId !== input.taskId || event.project !== project) return;
    changed = true;
    wake?.();
  });
  try {
    let { task } = await store.askQuestion(input);
    const askedAt = task.question?.askedAt ?? task.updatedAt;
    const deadline = Date.now() + Math.min(waitMs, store.config.leaseTtlMs / 2);
    for (;;) {
      if (changed) {
        changed = false;
        task = await store.getTask({ project, taskId: input.taskId });
      }
      if (task.status !== 'waiting' || (task.question?.askedAt ?? askedAt) !== askedAt) {
        return { task, answer: answerSince(task, askedAt) };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal.aborted) return { task, answer: null };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining);
        signal.addEventListener('abort', done, { once: true });
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wake = null;
          resolve();
        }
        wake = done;
        if (changed) done();
      });
    }
  } finally {
    unsubscribe();
  }
}
