// What the dispatcher did: the last attempts (for the dashboard) and Prometheus series (for /metrics).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type AttemptOutcome = 'delivered' | 'failed' | 'dropped';

/** One delivery attempt as the dashboard lists it. */
export interface AttemptRecord {
  at: number;
  webhook: string;
  delivery: string;
  event: string;
  seq: number;
  attempt: number;
  outcome: AttemptOutcome;
  /** The receiver's HTTP status, null when none came (refused, timed out). */
  status: number | null;
  error: string | null;
  durationMs: number;
  /** When the next attempt is due, for a failed one. */
  retryAt: number | null;
}

/** Per webhook, since this process started. */
export interface WebhookCounts {
  delivered: number;
  failedAttempts: number;
  dropped: number;
  lastDeliveredAt: number | null;
}

const KEEP = 200;

export class DeliveryLog {
  private readonly recent: AttemptRecord[] = [];
  readonly counts = new Map<string, WebhookCounts>();
  private readonly attempts: Counter<'webhook' | 'event' | 'outcome'>;
  private readonly retries: Counter<'webhook'>;
  private readonly duration: Histogram<'webhook'>;
  private readonly lastDelivered: Gauge<'webhook'>;

  constructor(registry: Registry | null) {
    const registers = registry ? [registry] : [];
    this.attempts = new Counter({
      name: 'tc_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome: delivered (2xx), failed (will be retried), dropped (gave up)',
      labelNames: ['webhook', 'event', 'outcome'],
      registers,
    });
    this.retries = new Counter({
      name: 'tc_webhook_retries_total',
      help: 'Webhook deliveries scheduled again after a failed attempt',
      labelNames: ['webhook'],
      registers,
    });
    this.duration = new Histogram({
      name: 'tc_webhook_attempt_duration_seconds',
      help: 'Time from sending a webhook delivery to its answer (or failure)',
      labelNames: ['webhook'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.lastDelivered = new Gauge({
      name: 'tc_webhook_last_delivered_timestamp_seconds',
      help: 'When the webhook last acknowledged a delivery (Unix seconds)',
      labelNames: ['webhook'],
      registers,
    });
  }

  private countsOf(webhook: string): WebhookCounts {
    let counts = this.counts.get(webhook);
    if (!counts)
      this.counts.set(webhook, (counts = { delivered: 0, failedAttempts: 0, dropped: 0, lastDeliveredAt: null }));
    return counts;
  }

  record(entry: AttemptRecord): void {
    this.recent.push(entry);
    if (this.recent.length > KEEP) this.recent.splice(0, this.recent.length - KEEP);
    const counts = this.countsOf(entry.webhook);
    this.attempts.inc({ webhook: entry.webhook, event: entry.event, outcome: entry.outcome });
    this.duration.observe({ webhook: entry.webhook }, entry.durationMs / 1000);
    if (entry.outcome === 'delivered') {
      counts.delivered++;
      counts.lastDeliveredAt = entry.at;
      this.lastDelivered.set({ webhook: entry.webhook }, entry.at / 1000);
    } else if (entry.outcome === 'failed') {
      counts.failedAttempts++;
      this.retries.inc({ webhook: entry.webhook });
    } else counts.dropped++;
  }

  /** The last attempts, newest first. */
  entries(limit = 50): AttemptRecord[] {
    return this.recent.slice(-limit).reverse();
  }
}
