// The PostgreSQL store's webhook rows: lock the cursor or lease row, let core's rule decide, write the answer.
import type pg from 'pg';
import { advanceCursor, takeLease, type DispatchLease, type Instant, type WebhookCursor } from '@task-coordinator/core';

interface CursorRow {
  webhook: string;
  seq: string;
  updated_at: string;
}

const toCursor = (r: CursorRow): WebhookCursor => ({
  webhook: r.webhook,
  seq: Number(r.seq),
  updatedAt: Number(r.updated_at),
});

export async function webhookCursors(db: pg.Pool): Promise<WebhookCursor[]> {
  const { rows } = await db.query<CursorRow>('SELECT webhook, seq, updated_at FROM webhook_cursors ORDER BY webhook');
  return rows.map(toCursor);
}

/** Inside a transaction: the cursor row (created at 0 when missing) locked, advanceCursor, the result written. */
export async function advanceWebhookCursor(
  client: pg.PoolClient,
  webhook: string,
  seq: number,
  now: Instant,
): Promise<WebhookCursor> {
  await client.query(
    'INSERT INTO webhook_cursors (webhook, seq, updated_at) VALUES ($1, 0, 0) ON CONFLICT (webhook) DO NOTHING',
    [webhook],
  );
  const { rows } = await client.query<CursorRow>(
    'SELECT webhook, seq, updated_at FROM webhook_cursors WHERE webhook = $1 FOR UPDATE',
    [webhook],
  );
  const current = rows[0] ? toCursor(rows[0]) : null;
  const next = advanceCursor(current, webhook, seq, now);
  if (next !== current)
    await client.query('UPDATE webhook_cursors SET seq = $2, updated_at = $3 WHERE webhook = $1', [
      webhook,
      next.seq,
      next.updatedAt,
    ]);
  return next;
}

/** Inside a transaction: the lease row locked (replicas asking at once take turns), takeLease, the result written. */
export async function takeDispatchLease(
  client: pg.PoolClient,
  owner: string,
  now: Instant,
  ttlMs: number,
  replacing: string | null,
): Promise<DispatchLease> {
  const { rows } = await client.query<{ owner: string; expires_at: string }>(
    'SELECT owner, expires_at FROM webhook_lease WHERE id = 1 FOR UPDATE',
  );
  const row = rows[0];
  const current = row && row.owner !== '' ? { owner: row.owner, expiresAt: Number(row.expires_at) } : null;
  const next = takeLease(current, owner, now, ttlMs, replacing);
  if (next !== current)
    await client.query('UPDATE webhook_lease SET owner = $1, expires_at = $2 WHERE id = 1', [
      next.owner,
      next.expiresAt,
    ]);
  return next;
}
