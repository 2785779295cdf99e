// The audit log: who did what, when — newest first, filtered by task, worker, type and time, a page
// at a time, and downloadable as CSV, JSON or JSON Lines. The filter lives in the URL like the board's.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { EVENT_TYPES, type TaskEvent } from '@task-coordinator/core';
import type { EventFilter } from '../api/client.js';
import { useBoardStore } from '../live/use-board.js';
import { dateTime } from '../ui/format.js';
import { Link, navigate, useLocation, withQuery } from '../ui/router.js';
import { describeEvent } from './event-text.js';

const PAGE = 200;

function readAuditFilter(query: URLSearchParams): EventFilter {
  const filter: EventFilter = {};
  for (const key of ['taskId', 'workerId', 'since', 'until'] as const) {
    const value = query.get(key);
    if (value) filter[key] = value;
  }
  const types = (query.get('type') ?? '').split(',').filter((t) => (EVENT_TYPES as readonly string[]).includes(t));
  if (types.length) filter.type = types;
  return filter;
}

/** datetime-local value ↔ ISO instant */
const toLocalInput = (iso: string | undefined) => {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ''
    : new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : '');

/**
 * Who made a change: the token's name (the unnamed TC_TOKEN is recorded as `default`); a request
 * to a server without tokens records none; a change with no actor at all the server made itself
 * (lease expiry by the sweeper, startup).
 */
export function tokenOf(event: TaskEvent): string {
  const actor = event.data.actor as { token?: string } | undefined;
  if (!actor) return 'server';
  return actor.token ?? 'no token';
}

export function AuditView() {
  const store = useBoardStore();
  const location = useLocation();
  const filter = useMemo(() => readAuditFilter(location.query), [location.query]);
  const [error, setError] = useState<string | null>(null);

  const apply = (next: Partial<Record<keyof EventFilter, string>>) => {
    const query = new URLSearchParams(location.query);
    for (const [key, value] of Object.entries(next)) {
      if (value) query.set(key, value);
      else query.delete(key);
    }
    navigate(`/audit?${query}`, { replace: true });
  };

  const download = async (format: 'csv' | 'json' | 'jsonl') => {
    try {
      const blob = await store.api.exportEvents(filter, format);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `audit-${store.project}.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section className="audit" aria-label="audit log">
      <h2>Audit log</h2>
      <form className="filters" role="search" aria-label="filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <label className="field">
          <span>Task</span>
          <input
            defaultValue={filter.taskId ?? ''}
            onBlur={(e) => apply({ taskId: e.target.value.trim() })}
            onKeyDown={(e) => e.key === 'Enter' && apply({ taskId: e.currentTarget.value.trim() })}
            placeholder="any"
          />
        </label>
        <label className="field">
          <span>Worker</span>
          <input
            defaultValue={filter.workerId ?? ''}
            onBlur={(e) => apply({ workerId: e.target.value.trim() })}
            onKeyDown={(e) => e.key === 'Enter' && apply({ workerId: e.currentTarget.value.trim() })}
            placeholder="any"
          />
        </label>
        <label className="field">
          <span>Type</span>
          <select value={filter.type?.[0] ?? ''} onChange={(e) => apply({ type: e.target.value })}>
            <option value="">any</option>
            {EVENT_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Since</span>
          <input
            type="datetime-local"
            value={toLocalInput(filter.since)}
            onChange={(e) => apply({ since: fromLocalInput(e.target.value) })}
          />
        </label>
        <label className="field">
          <span>Until</span>
          <input
            type="datetime-local"
            value={toLocalInput(filter.until)}
            onChange={(e) => apply({ until: fromLocalInput(e.target.value) })}
          />
        </label>
        <div className="buttons">
          <button type="button" onClick={() => void download('csv')}>
            Export CSV
          </button>
          <button type="button" onClick={() => void download('json')}>
            JSON
          </button>
          <button type="button" onClick={() => void download('jsonl')}>
            JSON Lines
          </button>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <AuditLog key={JSON.stringify(filter)} filter={filter} query={location.query} />
    </section>
  );
}

/**
 * One filter's log, newest first, a page at a time. Keyed by the filter (a new filter mounts a
 * new log), so a page answered for an old filter can never land here.
 */
function AuditLog({ filter, query }: { filter: EventFilter; query: URLSearchParams }) {
  const store = useBoardStore();
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(true);

  const fetchPage = useCallback(
    (before: number | null, signal?: AbortSignal): Promise<void> =>
      store.api
        .events({ ...filter, order: 'desc', ...(before !== null ? { beforeSeq: before } : {}), limit: PAGE }, signal)
        .then(
          (page) => {
            setEvents((current) => [...current, ...page.events]);
            setCursor(page.nextCursor);
            setError(null);
            setBusy(false);
          },
          (e: Error) => {
            if (signal?.aborted) return;
            setError(e.message);
            setBusy(false);
          },
        ),
    [store, filter],
  );

  useEffect(() => {
    const controller = new AbortController();
    void fetchPage(null, controller.signal);
    return () => controller.abort();
  }, [fetchPage]);

  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="audit-table">
        <thead>
          <tr>
            <th scope="col">Seq</th>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">Task</th>
            <th scope="col">Worker</th>
            <th scope="col" title="the token the change was made with">
              By (token)
            </th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => {
            return (
              <tr key={event.seq} data-seq={event.seq} data-event-type={event.type}>
                <td className="seq">{event.seq}</td>
                <td className="when">
                  <time dateTime={new Date(event.at).toISOString()}>{dateTime(event.at)}</time>
                </td>
                <td>{event.type}</td>
                <td>
                  {event.taskId ? (
                    <Link href={withQuery(`/tasks/${encodeURIComponent(event.taskId)}`, query)}>{event.taskId}</Link>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{event.workerId ?? '—'}</td>
                <td className="token">{tokenOf(event)}</td>
                <td className="details">{describeEvent(event)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {events.length === 0 && !busy && <p className="muted">No events match.</p>}
      {cursor && (
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void fetchPage(Number(cursor));
          }}
        >
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}
