// The audit log: read after a seq (long-polling for the next event), or download whole.
import { z } from 'zod';
import {
  EventsQuerySchema,
  TaskEventSchema,
  type EventsQuery,
  type Store,
  type TaskEvent,
} from '@task-coordinator/core';
import { MAX_WAIT_SECONDS } from '../../live/claim-waiting.js';
import type { Wakeups } from '../../live/wakeups.js';
import { EXPORT_FORMATS, exportEvents } from '../../ops/audit-export.js';
import { clientGone, defineRoute, STREAMED, type Route } from './define.js';

export const EventsRequestSchema = EventsQuerySchema.extend({
  wait: z
    .number()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe('Seconds to wait when no matching event follows afterSeq'),
});

export const EventsExportRequestSchema = EventsQuerySchema.omit({ limit: true }).extend({
  format: z.enum(EXPORT_FORMATS).optional().describe('csv (default), json or jsonl'),
});

/** Events matching `query`; when there are none, waits up to `waitMs` for one (arm, re-check, sleep, repeat). */
async function eventsWaiting(
  store: Store,
  wakeups: Wakeups,
  query: EventsQuery,
  waitMs: number,
  signal: AbortSignal,
): Promise<TaskEvent[]> {
  let events = await store.events(query);
  const deadline = Date.now() + waitMs;
  while (!events.length && !signal.aborted && Date.now() < deadline) {
    const armed = wakeups.arm(null);
    try {
      events = await store.events(query);
      if (events.length || (await armed.wait(deadline - Date.now(), signal)) !== 'woken') break;
      events = await store.events(query);
    } finally {
      armed.disarm();
    }
  }
  return events;
}

export const EVENT_ROUTES: readonly Route[] = [
  defineRoute({
    method: 'get',
    path: '/events',
    operationId: 'listEvents',
    summary:
      'The audit log: committed events after a seq, in order, filtered by project, taskId, workerId, type (comma-separated), since and until (ISO-8601 or epoch ms); wait up to 60 s for the next one. Page on with afterSeq=nextCursor; order=desc gives the newest first, paged with beforeSeq=nextCursor',
    tag: 'events',
    from: 'query',
    lists: ['type'],
    request: EventsRequestSchema,
    response: z.object({
      events: z.array(TaskEventSchema),
      lastSeq: z.number().int(),
      nextCursor: z
        .string()
        .nullable()
        .describe(
          'Pass as afterSeq (beforeSeq with order=desc) for the next page; null when this page was the last one',
        ),
    }),
    run: async ({ store, wakeups, res }, { wait, afterSeq = 0, limit = 100, ...filters }) => {
      const query = { ...filters, afterSeq, limit };
      // Waiting is for the next event: newest-first pages answer at once.
      const events =
        wait && filters.order !== 'desc'
          ? await eventsWaiting(store, wakeups, query, wait * 1000, clientGone(res))
          : await store.events(query);
      const lastSeq = events.at(-1)?.seq ?? afterSeq;
      return { events, lastSeq, nextCursor: events.length === limit ? String(lastSeq) : null };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/events/export',
    operationId: 'exportEvents',
    summary:
      'Download the audit log: every event matching the same filters as /events, as CSV, JSON or JSON Lines (streamed)',
    tag: 'events',
    from: 'query',
    lists: ['type'],
    request: EventsExportRequestSchema,
    response: z.string().describe('text/csv, application/json (an array) or application/x-ndjson'),
    run: async ({ store, res }, { format = 'csv', ...query }) => {
      await exportEvents(store, res, query, format);
      return STREAMED;
    },
  }),
];
