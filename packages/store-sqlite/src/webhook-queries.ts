// The SQLite store's webhook rows: load the cursor or lease, let core's rule decide, write the answer.
import type Database from 'better-sqlite3';
import { advanceCursor, takeLease, type DispatchLease, type Instant, type WebhookCursor } from '@task-coordinator/core';

interface CursorRow {
  webhook: string;
  seq: number;
  updated_at: number;
}

const toCursor = (r: CursorRow): WebhookCursor => ({ webhook: r.webhook, seq: r.seq, updatedAt: r.updated_at });

export function prepareWebhookQueries(db: Database.Database) {
  const all = db.prepare<[], CursorRow>('SELECT webhook, seq, updated_at FROM webhook_cursors ORDER BY webhook');
  const one = db.prepare<[string], CursorRow>('SELECT webhook, seq, updated_at FROM webhook_cursors WHERE webhook = ?');
  const putCursor = db.prepare<[string, number, number]>(
    'INSERT OR REPLACE INTO webhook_cursors (webhook, seq, updated_at) VALUES (?, ?, ?)',
  );
  const lease = db.prepare<[], { owner: string; expires_at: number }>(
    'SELECT owner, expires_at FROM webhook_lease WHERE id = 1',
  );
  const putLease = db.prepare<[string, number]>(
    'INSERT OR REPLACE INTO webhook_lease (id, owner, expires_at) VALUES (1, ?, ?)',
  );
  return {
    cursors: (): WebhookCursor[] => all.all().map(toCursor),
    /** Call inside a write transaction. */
    advance(webhook: string, seq: number, now: Instant): WebhookCursor {
      const row = one.get(webhook);
      const current = row ? toCursor(row) : null;
      const next = advanceCursor(current, webhook, seq, now);
      if (next !== current) putCursor.run(next.webhook, next.seq, next.updatedAt);
      return next;
    },
    /** Call inside a write transaction (BEGIN IMMEDIATE: takers in other processes wait their turn). */
    take(owner: string, now: Instant, ttlMs: number, replacing: string | null): DispatchLease {
      const row = lease.get();
      const current = row ? { owner: row.owner, expiresAt: row.expires_at } : null;
      const next = takeLease(current, owner, now, ttlMs, replacing);
      if (next !== current) putLease.run(next.owner, next.expiresAt);
      return next;
    },
  };
}
