// Webhook dispatcher: tails the committed event log from a per-webhook cursor kept in the store.
//
// Durability without a second outbox: the event log is already durable, so each webhook's queue is
// "the events after its cursor". A delivery is POSTed, and only when the receiver answers 2xx is
// the cursor advanced (in the store), so a crash or SIGKILL at any point re-sends from the last
// acknowledged event after the restart: at least once, in seq order, with a delivery id
// (`x-tc-delivery`, the same on every attempt) for receivers to drop repeats.
//
// Never in a claim's way: the dispatcher runs beside the request path, reads the log with plain
// reads, and each webhook has its own loop, so a slow or dead receiver delays only its own
// deliveries. Failed attempts are retried with exponential backoff (1 s, 2 s, 4 s … capped at
// 5 min); after MAX_ATTEMPTS (about 1 h 30 of failing) the delivery is dropped, logged and counted,
// and the queue moves on. With several PostgreSQL replicas only the holder of the dispatch lease
// (a row in the store, renewed every third of its TTL) delivers; the others take over within one
// TTL when it stops.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  mayFinishPlan,
  planFinished,
  planOf,
  webhookEventType,
  webhookWants,
  PLAN_LABEL_PREFIX,
  type Store,
  type Task,
  type TaskEvent,
  allPages,
} from '@task-coordinator/core';
import type { Logger } from '../http/errors.js';
import type { DeliveryLog } from './delivery-log.js';
import { signWebhook, WEBHOOK_HEADERS } from './signature.js';
import { realTimers, type Timers } from './timers.js';
import type { WebhookSpec } from './webhook-config.js';

export const BACKOFF = { baseMs: 1_000, maxMs: 300_000 } as const;
export const MAX_ATTEMPTS = 25;
export const LEASE_TTL_MS = 30_000;
const PAGE = 100;

/** The wait before attempt `failures + 1`, after `failures` failed attempts: 1 s, 2 s, 4 s, … 5 min. */
export function backoffDelay(failures: number): number {
  return Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** Math.max(0, failures - 1));
}

export interface DispatcherOptions {
  store: Store;
  webhooks: readonly WebhookSpec[];
  secret: string;
  log: Logger;
  deliveries: DeliveryLog;
  timers?: Timers;
  /** This process's name for the dispatch lease. */
  owner?: string;
  requestTimeoutMs?: number;
}

/** A webhook's state as the dashboard shows it. */
export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  /** Every event up to this seq is delivered or not wanted; null before the dispatcher has read it. */
  cursor: number | null;
  /** Events after the cursor, by the newest seq this process has seen. */
  pending: number;
  /** Failed attempts at the delivery now at the head of the queue. */
  failures: number;
  failingSince: number | null;
  nextAttemptAt: number | null;
  lastError: string | null;
  delivered: number;
  failedAttempts: number;
  dropped: number;
  lastDeliveredAt: number | null;
}

interface Delivery {
  id: string;
  type: string;
  seq: number;
  body: Record<string, unknown>;
}

interface Runner {
  spec: WebhookSpec;
  cursor: number | null;
  running: boolean;
  dirty: boolean;
  timer: unknown;
  nextAttemptAt: number | null;
  failures: number;
  failingSince: number | null;
  lastError: string | null;
  /** Deliveries of the event after the cursor already acknowledged (an event may make two). */
  acked: Set<string>;
  /** The cursor is to be read from the store again: the lease was regained. */
  reread: boolean;
}

/** Strips the query string, which may carry a receiver's key, from what the dashboard shows. */
function shownUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
}

export class WebhookDispatcher {
  private readonly runners: Runner[];
  private readonly timers: Timers;
  private readonly owner: string;
  private leader = false;
  private leaseTimer: unknown = null;
  private closed = false;
  private newest = 0;
  private unsubscribe: () => void = () => {};
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: DispatcherOptions) {
    this.timers = options.timers ?? realTimers;
    this.owner = options.owner ?? `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
    this.runners = options.webhooks.map((spec) => ({
      spec,
      cursor: null,
      running: false,
      dirty: false,
      timer: null,
      nextAttemptAt: null,
      failures: 0,
      failingSince: null,
      lastError: null,
      acked: new Set(),
      reread: false,
    }));
  }

  /** Whether this process holds the dispatch lease (delivers). */
  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.runners.length === 0) return;
    this.unsubscribe = this.options.store.subscribe((event) => {
      this.newest = Math.max(this.newest, event.seq);
      for (const runner of this.runners) this.pump(runner);
    });
    void this.renewLease();
  }

  /** Takes or renews the lease every third of its TTL; delivering starts or stops with it. */
  private async renewLease(): Promise<void> {
    if (this.closed) return;
    try {
      let lease = await this.options.store.takeDispatchLease({ owner: this.owner, ttlMs: LEASE_TTL_MS });
      // A holder on this machine whose process is gone (a server killed and restarted) is replaced
      // at once rather than after its lease runs out.
      if (lease.owner !== this.owner && holderIsGone(lease.owner))
        lease = await this.options.store.takeDispatchLease({
          owner: this.owner,
          ttlMs: LEASE_TTL_MS,
          replacing: lease.owner,
        });
      const was = this.leader;
      this.leader = lease.owner === this.owner;
      if (this.leader && !was) {
        this.newest = Math.max(this.newest, (await this.options.store.stats()).lastSeq);
        // Another process may have delivered while this one did not hold the lease: every runner
        // reads its cursor from the store again before it sends anything (see run()).
        for (const runner of this.runners) {
          runner.reread = true;
          this.pump(runner);
        }
      }
    } catch (error) {
      if (this.leader) this.options.log('webhooks: cannot renew the dispatch lease; stopping deliveries', error);
      this.leader = false;
    }
    if (!this.closed) this.leaseTimer = this.timers.setTimeout(() => void this.renewLease(), LEASE_TTL_MS / 3);
  }

  /** Starts the runner's loop unless it is running (then it reads again) or waiting for a retry. */
  private pump(runner: Runner): void {
    if (this.closed || !this.leader) return;
    if (runner.running) {
      runner.dirty = true;
      return;
    }
    if (runner.timer !== null) return;
    runner.running = true;
    const done = this.run(runner)
      .catch((error: unknown) => {
        // A store read or write failed: try again like a failed delivery, without counting an attempt.
        this.options.log(`webhooks: ${runner.spec.id} paused`, error);
        this.retryLater(runner, backoffDelay(Math.max(1, runner.failures)));
      })
      .finally(() => {
        runner.running = false;
        this.inFlight.delete(done);
        // An event noted after run() last looked (or a round cap reached) reads again now, not at the next event.
        if (runner.dirty && runner.timer === null) this.pump(runner);
      });
    this.inFlight.add(done);
  }

  private retryLater(runner: Runner, delay: number): void {
    if (this.closed) return;
    runner.nextAttemptAt = this.timers.now() + delay;
    runner.timer = this.timers.setTimeout(() => {
      runner.timer = null;
      runner.nextAttemptAt = null;
      this.pump(runner);
    }, delay);
  }

  private async run(runner: Runner): Promise<void> {
    const { store } = this.options;
    if (runner.reread) {
      runner.reread = false;
      runner.cursor = null;
      runner.acked.clear();
    }
    if (runner.cursor === null) {
      const saved = (await store.webhookCursors()).find((c) => c.webhook === runner.spec.id);
      // A webhook seen for the first time starts at the end of the log: it is told about what happens from now on.
      runner.cursor = saved
        ? saved.seq
        : (await store.advanceWebhookCursor({ webhook: runner.spec.id, seq: (await store.stats()).lastSeq })).seq;
    }
    for (let round = 0; round < 10_000 && !this.closed && this.leader; round++) {
      runner.dirty = false;
      const events = await store.events({ afterSeq: runner.cursor, limit: PAGE });
      if (events.length === 0) {
        if (runner.dirty) continue;
        return;
      }
      const first = events[0] as TaskEvent;
      if (runner.cursor > 0 && first.seq > runner.cursor + 1)
        this.options.log(
          `webhooks: ${runner.spec.id} was at seq ${runner.cursor} but the log now starts at ${first.seq}: events in between were pruned by retention before delivery`,
        );
      let passed: number = runner.cursor;
      for (const event of events) {
        this.newest = Math.max(this.newest, event.seq);
        // Cursors only move forward: one that moved past this event (another process delivered it
        // meanwhile, and an advance answered the stored seq) means it is not sent again.
        if (event.seq <= runner.cursor) continue;
        const deliveries = await this.deliveriesOf(runner, event);
        if (deliveries.length > 0 && passed > runner.cursor) {
          runner.cursor = (await store.advanceWebhookCursor({ webhook: runner.spec.id, seq: passed })).seq;
        }
        for (const delivery of deliveries) {
          if (runner.acked.has(delivery.id)) continue;
          if (!this.leader || this.closed) return;
          const outcome = await this.attempt(runner, delivery);
          if (outcome === 'retry') return;
          runner.acked.add(delivery.id);
        }
        passed = event.seq;
        if (deliveries.length > 0) {
          runner.cursor = (await store.advanceWebhookCursor({ webhook: runner.spec.id, seq: passed })).seq;
          runner.acked.clear();
        }
      }
      if (passed > runner.cursor)
        runner.cursor = (await store.advanceWebhookCursor({ webhook: runner.spec.id, seq: passed })).seq;
    }
    // The round cap: more may be waiting, so pump() starts another run once this one has ended.
    runner.dirty = true;
  }

  /** What `event` makes for this webhook: its own delivery if wanted, and `plan.finished` when it finished a plan. */
  private async deliveriesOf(runner: Runner, event: TaskEvent): Promise<Delivery[]> {
    const out: Delivery[] = [];
    const type = webhookEventType(event);
    const wantsOwn = webhookWants(runner.spec.events, type);
    const wantsPlan = mayFinishPlan(event) && webhookWants(runner.spec.events, 'plan.finished');
    if (!wantsOwn && !wantsPlan) return out;
    const task =
      event.taskId === null
        ? null
        : await this.options.store.getTask({ project: event.project, taskId: event.taskId }).catch((error: unknown) => {
            // A task deleted since (retention, clean-all) is sent without its summary; any other failed
            // read goes to run()'s retry, so the cursor does not pass an event not yet looked at.
            if ((error as { code?: string }).code === 'TASK_NOT_FOUND') return null;
            throw error;
          });
    if (wantsOwn) {
      out.push({
        id: `${runner.spec.id}.${event.seq}`,
        type,
        seq: event.seq,
        body: {
          type,
          seq: event.seq,
          at: new Date(event.at).toISOString(),
          project: event.project,
          taskId: event.taskId,
          workerId: event.workerId,
          data: event.data,
          ...(type !== event.type ? { sourceEvent: event.type } : {}),
          task: task === null ? null : summary(task),
        },
      });
    }
    const plan = task === null ? null : planOf(task);
    if (wantsPlan && plan !== null) {
      const planTasks = await this.planTasks(event.project, plan);
      if (planFinished(event, planTasks)) {
        out.push({
          id: `${runner.spec.id}.${event.seq}.plan`,
          type: 'plan.finished',
          seq: event.seq,
          body: {
            type: 'plan.finished',
            seq: event.seq,
            at: new Date(event.at).toISOString(),
            project: event.project,
            taskId: event.taskId,
            data: {
              plan,
              tasks: planTasks.length,
              done: planTasks.filter((t) => t.status === 'done').length,
              cancelled: planTasks.filter((t) => t.status === 'cancelled').length,
            },
          },
        });
      }
    }
    return out;
  }

  private async planTasks(project: string, plan: string): Promise<Task[]> {
    const label = `${PLAN_LABEL_PREFIX}${plan}`;
    return allPages((after) => this.options.store.listTasks({ project, label, limit: 1000, ...after }), 100);
  }

  /** One POST. 'ok' on 2xx or when giving up (dropped); 'retry' when a retry is scheduled. */
  private async attempt(runner: Runner, delivery: Delivery): Promise<'ok' | 'retry'> {
    const body = JSON.stringify({ id: delivery.id, ...delivery.body });
    const sentAt = this.timers.now();
    const timestamp = Math.floor(sentAt / 1000);
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(runner.spec.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'task-coordinator-webhooks',
          [WEBHOOK_HEADERS.delivery]: delivery.id,
          [WEBHOOK_HEADERS.event]: delivery.type,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(this.options.secret, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      error = cause?.code ?? (e as Error).name ?? 'network error';
    }
    const durationMs = performance.now() - started;
    const attempt = runner.failures + 1;
    const base = {
      at: sentAt,
      webhook: runner.spec.id,
      delivery: delivery.id,
      event: delivery.type,
      seq: delivery.seq,
      attempt,
      status,
      durationMs,
    };
    if (error === null) {
      this.options.deliveries.record({ ...base, outcome: 'delivered', error: null, retryAt: null });
      runner.failures = 0;
      runner.failingSince = null;
      runner.lastError = null;
      return 'ok';
    }
    runner.lastError = error;
    runner.failingSince ??= sentAt;
    if (attempt >= MAX_ATTEMPTS) {
      this.options.deliveries.record({ ...base, outcome: 'dropped', error, retryAt: null });
      this.options.log(
        `webhooks: ${runner.spec.id} dropped delivery ${delivery.id} (${delivery.type}) after ${attempt} attempts: ${error}`,
      );
      runner.failures = 0;
      runner.failingSince = null;
      return 'ok';
    }
    runner.failures = attempt;
    const delay = backoffDelay(attempt);
    this.options.deliveries.record({ ...base, outcome: 'failed', error, retryAt: sentAt + delay });
    this.retryLater(runner, delay);
    return 'retry';
  }

  view(): { leader: boolean; webhooks: WebhookView[] } {
    return {
      leader: this.leader,
      webhooks: this.runners.map((r) => {
        const counts = this.options.deliveries.counts.get(r.spec.id);
        return {
          id: r.spec.id,
          url: shownUrl(r.spec.url),
          events: r.spec.events,
          cursor: r.cursor,
          pending: r.cursor === null ? 0 : Math.max(0, this.newest - r.cursor),
          failures: r.failures,
          failingSince: r.failingSince,
          nextAttemptAt: r.nextAttemptAt,
          lastError: r.lastError,
          delivered: counts?.delivered ?? 0,
          failedAttempts: counts?.failedAttempts ?? 0,
          dropped: counts?.dropped ?? 0,
          lastDeliveredAt: counts?.lastDeliveredAt ?? null,
        };
      }),
    };
  }

  /** The last delivery attempts, newest first. */
  attempts(limit = 50): ReturnType<DeliveryLog['entries']> {
    return this.options.deliveries.entries(limit);
  }

  /** Resolves when no runner is sending or reading (tests wait on it after moving the clock). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    if (this.leaseTimer !== null) this.timers.clearTimeout(this.leaseTimer);
    for (const runner of this.runners) if (runner.timer !== null) this.timers.clearTimeout(runner.timer);
    await this.idle();
  }
}

/** Whether a lease owner (`host/pid/nonce`) names a process of this machine that no longer runs. */
export function holderIsGone(owner: string): boolean {
  const [host, pid] = owner.split('/');
  if (host !== hostname() || pid === undefined || !/^\d+$/.test(pid) || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function summary(task: Task): Record<string, unknown> {
  return {
    id: task.id,
    description: task.description,
    status: task.status,
    labels: task.labels,
    attempts: task.attempts,
    maxAttempts: task.maxAttempts,
    worker: task.worker,
    error: task.error,
  };
}
