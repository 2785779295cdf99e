// How statuses and times look in the terminal: one symbol and one colour per status, times in UTC.
import type { Ctx } from '../context.js';

type Paint = (text: string) => string;

/** Status → symbol and colour. Statuses added later (waiting, review, …) fall back to `?` in plain text. */
export function statusStyle(ctx: Pick<Ctx, 'c'>, status: string): { symbol: string; paint: Paint } {
  const { c } = ctx;
  switch (status) {
    case 'blocked':
      return { symbol: '○', paint: c.dim };
    case 'available':
      return { symbol: '◇', paint: c.cyan };
    case 'claimed':
      return { symbol: '◔', paint: c.yellow };
    case 'working':
      return { symbol: '◑', paint: c.blue };
    case 'waiting':
      return { symbol: '?', paint: c.magenta };
    case 'review':
      return { symbol: '◎', paint: c.magenta };
    case 'done':
      return { symbol: '●', paint: c.green };
    case 'failed':
      return { symbol: '✗', paint: c.red };
    case 'cancelled':
      return { symbol: '⊘', paint: c.gray };
    default:
      return { symbol: '·', paint: (text) => text };
  }
}

export function paintStatus(ctx: Pick<Ctx, 'c'>, status: string): string {
  const { symbol, paint } = statusStyle(ctx, status);
  return paint(`${symbol} ${status}`);
}

/** `2026-12-02 05:41:09Z`: absolute, sortable, the same on every machine. */
export function time(ms: number | null): string {
  if (ms === null) return '—';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** Cut to `max` characters with an ellipsis; the first line only. */
export function cut(text: string, max: number): string {
  const first = text.split('\n', 1)[0] ?? '';
  if (max <= 1) return first.slice(0, Math.max(0, max));
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}
