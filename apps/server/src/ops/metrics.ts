// Prometheus metrics (GET /metrics) and the same figures as JSON for /api/v1/stats.
//
// Board gauges (tasks by status, queue depth, slots in use) are read from the store once per
// scrape (one GROUP BY per table), never kept in step by hand, so they cannot drift from the board.
// Counters count committed events this process sees: on PostgreSQL every replica sees every
// replica's events, so sum them with max() across replicas, not sum().
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DomainError, TASK_STATUSES, type Store, type TaskEvent } from '@task-coordinator/core';
import type { RequestGuard } from '../http/security.js';
import { sendDomainError } from '../http/respond.js';

/** Activity of one project since this process started. */
export interface ActivityCounts {
  claims: number;
  completions: number;
  failures: number;
  retries: number;
  leaseExpiries: number;
}

export interface RetentionCounts {
  passes: number;
  events: number;
  tasks: number;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Codes that mean the store itself failed, not the caller's input. */
const STORE_FAILURES = new Set(['STORE_BUSY', 'STORE_UNAVAILABLE', 'INTERNAL']);

const EVENT_COUNTS: Partial<Record<TaskEvent['type'], keyof ActivityCounts>> = {
  'task.claimed': 'claims',
  'task.completed': 'completions',
  'task.failed': 'failures',
  'task.retrying': 'retries',
  'task.expired': 'leaseExpiries',
};

/** How the store's group commit is doing, as counted by the store since it opened. */
export interface TransactionCounts {
  /** Transactions committed (each a group of commands). */
  transactions: number;
  /** Commands committed in them. */
  commands: number;
  /** Commands run again after their group's transaction failed (PostgreSQL). */
  reruns: number;
  /** Commands moved to the next group because another member touched the same rows (PostgreSQL). */
  postponed: number;
}

export interface MetricsOptions {
  /** The uninstrumented store: the source of board gauges and events. */
  store: Store;
  /** The store's group-commit counts, read at each scrape. */
  transactions?: () => TransactionCounts;
  /** Requests waiting in a long-poll right now. */
  waiting: () => number;
  /** Default process metrics (CPU, memory, event loop); on in the server, off in tests that count series. */
  processMetrics?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  readonly startedAt = Date.now();
  private readonly activity = new Map<string, ActivityCounts>();
  private readonly retentionCounts: RetentionCounts = { passes: 0, events: 0, tasks: 0 };
  private storeErrorCount = 0;
  private readonly unsubscribe: () => void;

  private readonly tasks: Gauge<'project' | 'status'>;
  private readonly queueDepth: Gauge<'project'>;
  private readonly slotsInUse: Gauge<'project' | 'state'>;
  private readonly events: Counter<'project' | 'kind'>;
  private readonly storeErrors: Counter<'code'>;
  private readonly retention: Counter<'kind'>;
  private readonly retentionPasses: Counter;
  private readonly requestDuration: Histogram<'route' | 'method' | 'status'>;
  private readonly claimDuration: Histogram<'outcome'>;

  constructor(private readonly options: MetricsOptions) {
    const registers = [this.registry];
    this.tasks = new Gauge({
      name: 'tc_tasks',
      help: 'Tasks by project and status',
      labelNames: ['project', 'status'],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'tc_queue_depth',
      help: 'Available tasks waiting for a worker',
      labelNames: ['project'],
      registers,
    });
    this.slotsInUse = new Gauge({
      name: 'tc_slots_in_use',
      help: 'Held worker slots (state=held) and those holding a task (state=busy)',
      labelNames: ['project', 'state'],
      registers,
    });
    new Gauge({
      name: 'tc_long_polls_waiting',
      help: 'Requests waiting for work or events (claim-next and event long-polls)',
      registers,
      collect: function () {
        this.set(options.waiting());
      },
    });
    this.events = new Counter({
      name: 'tc_task_events_total',
      help: 'Committed task transitions seen by this process: claims, completions, failures, retries, lease expiries',
      labelNames: ['project', 'kind'],
      registers,
    });
    this.storeErrors = new Counter({
      name: 'tc_store_errors_total',
      help: 'Store calls that failed for a reason other than the input (busy, unavailable, internal)',
      labelNames: ['code'],
      registers,
    });
    this.retention = new Counter({
      name: 'tc_retention_pruned_total',
      help: 'Rows removed by retention',
      labelNames: ['kind'],
      registers,
    });
    this.retentionPasses = new Counter({
      name: 'tc_retention_passes_total',
      help: 'Retention pruning passes run',
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'tc_http_request_duration_seconds',
      help: 'HTTP request latency by route (operationId for /api/v1)',
      labelNames: ['route', 'method', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.claimDuration = new Histogram({
      name: 'tc_claim_duration_seconds',
      help: 'Store time of one claim or claim-next (without long-poll waiting)',
      labelNames: ['outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const transactions = options.transactions;
    if (transactions) {
      // Counted by the store; each scrape adds what it counted since the last one.
      const counters: Array<[keyof TransactionCounts, string, string]> = [
        [
          'transactions',
          'tc_store_transactions_total',
          'Store transactions committed; commands / transactions is how many commands a group commit carries',
        ],
        ['commands', 'tc_store_commands_total', 'Commands committed by the store'],
        [
          'reruns',
          'tc_store_reruns_total',
          "Commands run again after their group's transaction failed (a conflict with another replica, a dropped connection)",
        ],
        [
          'postponed',
          'tc_store_postponed_total',
          'Commands moved to the next group because another command of their group touched the same rows',
        ],
      ];
      for (const [key, name, help] of counters) {
        let seen = 0;
        new Counter({
          name,
          help,
          registers,
          collect: function () {
            const current = transactions()[key];
            if (current > seen) this.inc(current - seen);
            seen = current;
          },
        });
      }
    }
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'tc_' });
    this.unsubscribe = options.store.subscribe((event) => this.onEvent(event));
  }

  private onEvent(event: TaskEvent): void {
    const kind = EVENT_COUNTS[event.type];
    if (!kind) return;
    let counts = this.activity.get(event.project);
    if (!counts)
      this.activity.set(
        event.project,
        (counts = { claims: 0, completions: 0, failures: 0, retries: 0, leaseExpiries: 0 }),
      );
    counts[kind]++;
    this.events.inc({ project: event.project, kind });
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.requestDuration.observe({ route, method, status: String(status) }, seconds);
  }

  recordRetention(pruned: { events: number; tasks: number }): void {
    this.retentionPasses.inc();
    this.retentionCounts.passes++;
    this.retentionCounts.events += pruned.events;
    this.retentionCounts.tasks += pruned.tasks;
    if (pruned.events) this.retention.inc({ kind: 'events' }, pruned.events);
    if (pruned.tasks) this.retention.inc({ kind: 'tasks' }, pruned.tasks);
  }

  private storeFailed(error: unknown): void {
    const code = error instanceof DomainError ? error.code : 'INTERNAL';
    if (!STORE_FAILURES.has(code)) return;
    this.storeErrorCount++;
    this.storeErrors.inc({ code });
  }

  /**
   * The store every caller uses: the same object, with claim latency timed and store failures
   * counted on every method, so REST, the original endpoints, /mcp and Socket.IO are all covered.
   */
  instrument<S extends Store>(store: S): S {
    return new Proxy(store, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || prop === 'subscribe' || prop === 'constructor')
          return typeof value === 'function' ? value.bind(target) : value;
        const timed = prop === 'claimNextTask' || prop === 'claimTask';
        return (...args: unknown[]) => {
          const started = process.hrtime.bigint();
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!(result instanceof Promise)) return result;
          return result.then(
            (ok: unknown) => {
              if (timed) this.claimDuration.observe({ outcome: ok === null ? 'empty' : 'claimed' }, seconds(started));
              return ok;
            },
            (error: unknown) => {
              if (timed) this.claimDuration.observe({ outcome: 'rejected' }, seconds(started));
              this.storeFailed(error);
              throw error;
            },
          );
        };
      },
    });
  }

  /** The Prometheus text exposition, with board gauges read fresh from the store. */
  async render(): Promise<string> {
    let overview;
    try {
      overview = await this.options.store.overview();
    } catch (error) {
      this.storeFailed(error);
      throw error;
    }
    this.tasks.reset();
    this.queueDepth.reset();
    this.slotsInUse.reset();
    for (const { project, tasks, slots } of overview) {
      for (const status of TASK_STATUSES) this.tasks.set({ project, status }, tasks[status]);
      this.queueDepth.set({ project }, tasks.available);
      this.slotsInUse.set({ project, state: 'held' }, slots.held);
      this.slotsInUse.set({ project, state: 'busy' }, slots.busy);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The JSON side of the same figures, for /api/v1/stats. */
  activityOf(project: string): ActivityCounts & { since: number } {
    return {
      claims: 0,
      completions: 0,
      failures: 0,
      retries: 0,
      leaseExpiries: 0,
      ...this.activity.get(project),
      since: this.startedAt,
    };
  }

  serverFigures(): { longPollsWaiting: number; storeErrors: number; retention: RetentionCounts } {
    return {
      longPollsWaiting: this.options.waiting(),
      storeErrors: this.storeErrorCount,
      retention: { ...this.retentionCounts },
    };
  }

  close(): void {
    this.unsubscribe();
  }
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * GET /metrics: Host/Origin checks as everywhere, then the API token or the metrics token (a
 * scraper can be given a token that reads metrics and nothing else).
 */
export function createMetricsHandler(options: {
  metrics: Metrics;
  guard: RequestGuard;
  /** Whether the API has a token (the guard lets everyone through when it has none). */
  apiToken: boolean;
  /** Checks the metrics token; null when there is none. */
  metricsGuard: RequestGuard | null;
  log: (message: string, error?: unknown) => void;
}) {
  const authorized = (req: IncomingMessage): boolean =>
    options.metricsGuard === null
      ? options.guard.authorized(req)
      : options.metricsGuard.authorized(req) || (options.apiToken && options.guard.authorized(req));
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '/';
    if (url !== '/metrics' && !url.startsWith('/metrics?')) return false;
    const refused = options.guard.check(req);
    if (refused) {
      sendDomainError(res, refused);
      return true;
    }
    if (!authorized(req)) {
      sendDomainError(
        res,
        new DomainError('UNAUTHORIZED', 'missing or wrong token: send "Authorization: Bearer <token>"'),
      );
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendDomainError(res, new DomainError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use GET`));
      return true;
    }
    req.resume();
    options.metrics.render().then(
      (text) => {
        res.writeHead(200, {
          'content-type': options.metrics.contentType,
          'cache-control': 'no-store',
          'content-length': Buffer.byteLength(text),
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        if (!(error instanceof DomainError)) options.log('metrics failed', error);
        sendDomainError(
          res,
          error instanceof DomainError
            ? error
            : new DomainError('INTERNAL', 'internal error; the server logged the details'),
        );
      },
    );
    return true;
  };
}
