// The memory store's webhook rows: delivery cursors and the dispatch lease, decided by rules/webhooks.ts.
import type { Instant } from '../model.js';
import { advanceCursor, takeLease, type DispatchLease, type WebhookCursor } from '../rules/webhooks.js';

export class MemoryWebhookState {
  private readonly cursors = new Map<string, WebhookCursor>();
  private lease: DispatchLease | null = null;

  list(): WebhookCursor[] {
    return [...this.cursors.values()].sort((a, b) => (a.webhook < b.webhook ? -1 : 1)).map((c) => ({ ...c }));
  }

  advance(webhook: string, seq: number, now: Instant): WebhookCursor {
    const next = advanceCursor(this.cursors.get(webhook) ?? null, webhook, seq, now);
    this.cursors.set(webhook, next);
    return { ...next };
  }

  take(owner: string, now: Instant, ttlMs: number, replacing: string | null): DispatchLease {
    this.lease = takeLease(this.lease, owner, now, ttlMs, replacing);
    return { ...this.lease };
  }
}
