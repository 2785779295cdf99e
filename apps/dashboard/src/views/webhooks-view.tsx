// Webhooks: each receiver's queue (cursor, pending events, failures, next retry) and the last delivery
// attempts, from GET /api/v1/webhooks; refreshed every 5 s.
import { useEffect, useState } from 'react';
import { WebhooksAnswerSchema, type WebhooksAnswer } from '@task-coordinator/core';
import { getToken } from '../api/token.js';
import { dateTime } from '../ui/format.js';

async function loadWebhooks(signal: AbortSignal): Promise<WebhooksAnswer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch('/api/v1/webhooks', { headers, signal });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const message = (body as { error?: { message?: string } } | null)?.error?.message;
    throw new Error(message ?? `HTTP ${res.status}`);
  }
  return WebhooksAnswerSchema.parse(body);
}

export function WebhooksView() {
  const [data, setData] = useState<WebhooksAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    const load = () =>
      loadWebhooks(controller.signal).then(
        (value) => {
          setData(value);
          setError(null);
        },
        (e: Error) => !controller.signal.aborted && setError(e.message),
      );
    void load();
    const timer = setInterval(() => void load(), 5_000);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, []);

  if (error && !data) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading webhooks…</p>;
  if (data.webhooks.length === 0)
    return (
      <section aria-label="webhooks">
        <h2>Webhooks</h2>
        <p className="muted">
          No webhook is configured. Start the server with <code>--webhook URL</code> and <code>--webhook-secret</code>{' '}
          to have questions, reviews, failures and finished plans POSTed to a receiver.
        </p>
      </section>
    );
  return (
    <section aria-label="webhooks">
      <h2>Webhooks</h2>
      {!data.leader && <p className="muted">Another server process delivers webhooks (it holds the dispatch lease).</p>}
      <table className="audit-table" aria-label="webhook queues">
        <thead>
          <tr>
            <th>Receiver</th>
            <th>Events</th>
            <th>Pending</th>
            <th>Delivered</th>
            <th>Failed attempts</th>
            <th>Dropped</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {data.webhooks.map((w) => (
            <tr key={w.id} data-webhook={w.id}>
              <td title={w.id}>{w.url}</td>
              <td>{w.events.length === 0 ? 'defaults' : w.events.join(', ')}</td>
              <td>{w.pending}</td>
              <td>{w.delivered}</td>
              <td>{w.failedAttempts}</td>
              <td>{w.dropped}</td>
              <td>
                {w.failingSince !== null
                  ? `failing (${w.lastError ?? 'error'}) since ${dateTime(w.failingSince)}, attempt ${w.failures + 1} ${
                      w.nextAttemptAt !== null ? `at ${dateTime(w.nextAttemptAt)}` : 'in progress'
                    }`
                  : w.lastDeliveredAt !== null
                    ? `ok, last delivery ${dateTime(w.lastDeliveredAt)}`
                    : 'ok'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Last attempts</h3>
      {data.attempts.length === 0 ? (
        <p className="muted">No delivery attempted since the server started.</p>
      ) : (
        <table className="audit-table" aria-label="webhook attempts">
          <thead>
            <tr>
              <th>When</th>
              <th>Event</th>
              <th>Delivery</th>
              <th>Attempt</th>
              <th>Outcome</th>
              <th>Answer</th>
            </tr>
          </thead>
          <tbody>
            {data.attempts.map((a) => (
              <tr key={`${a.delivery}-${a.attempt}-${a.at}`} data-outcome={a.outcome}>
                <td>{dateTime(a.at)}</td>
                <td>{a.event}</td>
                <td>
                  <code>{a.delivery}</code>
                </td>
                <td>{a.attempt}</td>
                <td>{a.outcome}</td>
                <td>
                  {a.status ?? a.error ?? '—'} ({Math.round(a.durationMs)} ms)
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
