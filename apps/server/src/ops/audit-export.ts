// The audit log as a download: every event matching a filter, streamed a page at a time as CSV, JSON or JSON Lines.
import type { ServerResponse } from 'node:http';
import type { EventsQuery, Store, TaskEvent } from '@task-coordinator/core';

export const EXPORT_FORMATS = ['csv', 'json', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const PAGE = 1000;
const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};
const CSV_COLUMNS = ['seq', 'at', 'type', 'project', 'taskId', 'workerId', 'slot', 'data'] as const;

/**
 * One CSV cell (RFC 4180 quoting). Text a spreadsheet would run as a formula (= + - @ and the
 * control characters it honours at the start) gets a leading apostrophe: task text is written by
 * agents, and an audit file is opened by humans.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow(event: TaskEvent): string {
  return `${[event.seq, new Date(event.at).toISOString(), event.type, event.project, event.taskId, event.workerId, event.slot, JSON.stringify(event.data)].map(csvCell).join(',')}\r\n`;
}

/** Waits until the socket takes more, or the client is gone (false). */
function writeOrWait(res: ServerResponse, chunk: string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/** Streams the matching events in seq order; resolves when the answer is complete or the client left. */
export async function exportEvents(
  store: Store,
  res: ServerResponse,
  query: Omit<EventsQuery, 'limit'>,
  format: ExportFormat,
): Promise<void> {
  // The first page is read before the headers go out, so a bad filter is still a clean 400.
  let page = await store.events({ ...query, limit: PAGE });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[format],
    'content-disposition': `attachment; filename="task-coordinator-events-${stamp}.${format}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  let first = true;
  if (format === 'csv' && !(await writeOrWait(res, `${CSV_COLUMNS.join(',')}\r\n`))) return;
  if (format === 'json' && !(await writeOrWait(res, '['))) return;
  for (;;) {
    let chunk = '';
    for (const event of page) {
      if (format === 'csv') chunk += csvRow(event);
      else if (format === 'jsonl') chunk += `${JSON.stringify(event)}\n`;
      else chunk += `${first ? '' : ','}\n${JSON.stringify(event)}`;
      first = false;
    }
    if (chunk && !(await writeOrWait(res, chunk))) return;
    if (page.length < PAGE) break;
    const last = (page.at(-1) as TaskEvent).seq;
    page = await store.events(
      query.order === 'desc' ? { ...query, beforeSeq: last, limit: PAGE } : { ...query, afterSeq: last, limit: PAGE },
    );
  }
  res.end(format === 'json' ? '\n]\n' : undefined);
}
