// The agents view: each worker's state derived from its slots, its held tasks and recent slot events.
//
// | state  | when                                                                          |
// |--------|-------------------------------------------------------------------------------|
// | stale  | holds a task but has not been seen for over half the lease TTL (may expire)   |
// | active | holds a slot with a task (claimed, working or waiting), seen recently         |
// | idle   | holds a slot without a task, seen recently                                    |
// | gone   | held nothing now; its last slot expired or was released within GONE_WINDOW_MS |
//
// Sorted so what needs a person comes first: stale, then a task waiting on a question, then
// active, idle, gone; within a state the longest-unseen first, then by worker id.
import type { Instant, Slot, Task, TaskEvent } from './model.js';

export const AGENT_STATES = ['stale', 'active', 'idle', 'gone'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** How long a worker whose slots ended stays listed as `gone`. */
export const GONE_WINDOW_MS = 60 * 60 * 1000;

export interface AgentView {
  project: string;
  workerId: string;
  state: AgentState;
  /** Its held slots, ascending. */
  slots: number[];
  /** The task it holds (the first, when several), with its status, progress and open question. */
  taskId: string | null;
  taskStatus: Task['status'] | null;
  progress: string | null;
  question: string | null;
  /** Since the task was started (or claimed, while not started yet); null without a task. */
  onTaskSince: Instant | null;
  lastSeenAt: Instant | null;
  leaseExpiresAt: Instant | null;
  /** How its last slot ended, for `gone` workers. */
  goneReason: 'expired' | 'released' | null;
}

const RANK: Record<AgentState, number> = { stale: 0, active: 1, idle: 2, gone: 3 };

/**
 * `slots`: the held slots; `tasks`: the active tasks they hold; `ended`: recent `slot.expired` and
 * `slot.released` events (any order). Anonymous slots (no worker) are not agents.
 */
export function deriveAgents(
  project: string,
  slots: readonly Slot[],
  tasks: readonly Task[],
  ended: readonly TaskEvent[],
  now: Instant,
  leaseTtlMs: number,
): AgentView[] {
  const byId = new Map(tasks.map((t) => [t.id, t] as const));
  const workers = new Map<string, Slot[]>();
  for (const slot of slots) {
    if (slot.worker === null) continue;
    const mine = workers.get(slot.worker) ?? [];
    mine.push(slot);
    workers.set(slot.worker, mine);
  }
  const views: AgentView[] = [];
  for (const [workerId, mine] of workers) {
    mine.sort((a, b) => a.slot - b.slot);
    const lastSeenAt = Math.max(...mine.map((s) => s.lastSeenAt));
    const held = mine.map((s) => (s.taskId === null ? undefined : byId.get(s.taskId))).find((t) => t !== undefined);
    // An empty slot is not renewed by heartbeats (it lapses after one TTL by design), so only a
    // worker holding a task can be stale.
    const state: AgentState = !held ? 'idle' : now - lastSeenAt > leaseTtlMs / 2 ? 'stale' : 'active';
    views.push({
      project,
      workerId,
      state,
      slots: mine.map((s) => s.slot),
      taskId: held?.id ?? null,
      taskStatus: held?.status ?? null,
      progress: held?.progress ?? null,
      question: held?.question?.text ?? null,
      // Started, or (claimed, not started yet) its last change, which is the claim itself.
      onTaskSince: held ? (held.startedAt ?? held.updatedAt) : null,
      lastSeenAt,
      leaseExpiresAt: Math.max(...mine.map((s) => s.leaseExpiresAt)),
      goneReason: null,
    });
  }
  const gone = new Map<string, TaskEvent>();
  for (const event of ended) {
    const worker = event.workerId;
    if (worker === null || workers.has(worker) || now - event.at > GONE_WINDOW_MS) continue;
    const seen = gone.get(worker);
    if (!seen || seen.seq < event.seq) gone.set(worker, event);
  }
  for (const [workerId, event] of gone) {
    views.push({
      project,
      workerId,
      state: 'gone',
      slots: [],
      taskId: null,
      taskStatus: null,
      progress: null,
      question: null,
      onTaskSince: null,
      lastSeenAt: event.at,
      leaseExpiresAt: null,
      goneReason: event.type === 'slot.expired' ? 'expired' : 'released',
    });
  }
  const attention = (v: AgentView) => RANK[v.state] * 2 - (v.taskStatus === 'waiting' && v.state === 'active' ? 1 : 0);
  return views.sort(
    (a, b) =>
      attention(a) - attention(b) ||
      (a.lastSeenAt ?? 0) - (b.lastSeenAt ?? 0) ||
      (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0),
  );
}
