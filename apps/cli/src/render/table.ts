// `tcx ls` and `tcx ready`: a borderless table (cli-table3). Columns nobody uses are left out, the others are
// capped, and the description takes the width that is left, so every line fits the terminal.
import Table from 'cli-table3';
import type { Task } from '@task-coordinator/core';
import type { Ctx } from '../context.js';
import { cut, paintStatus } from './style.js';

const GAP = 2;
const NO_BORDER = Object.fromEntries(
  [
    'top',
    'top-mid',
    'top-left',
    'top-right',
    'bottom',
    'bottom-mid',
    'bottom-left',
    'bottom-right',
    'left',
    'left-mid',
    'mid',
    'mid-mid',
    'right',
    'right-mid',
    'middle',
  ].map((k) => [k, '']),
);

interface Column {
  head: string;
  cap: number;
  /** Narrowest it gets before the table drops the description's room below its minimum. */
  min: number;
  align?: 'left' | 'right';
  value: (task: Task) => string;
  paint?: (ctx: Ctx, value: string, task: Task) => string;
  /** Shown only when some row has a value. */
  optional?: boolean;
}

const COLUMNS: Column[] = [
  { head: 'ID', cap: 32, min: 8, value: (t) => t.id, paint: (ctx, v) => ctx.c.bold(v) },
  {
    head: 'STATUS',
    cap: 13,
    min: 11,
    value: (t) => `· ${t.status}`,
    paint: (ctx, _v, t) => paintStatus(ctx, t.status),
  },
  { head: 'PRI', cap: 6, min: 3, align: 'right', optional: true, value: (t) => (t.priority ? String(t.priority) : '') },
  {
    head: 'HOLDER',
    cap: 24,
    min: 6,
    optional: true,
    value: (t) => (t.worker ? `${t.worker}${t.slot !== null ? `#${t.slot}` : ''}` : ''),
  },
  {
    head: 'DEPS',
    cap: 24,
    min: 4,
    optional: true,
    value: (t) => t.dependencies.join(','),
    paint: (ctx, v) => ctx.c.dim(v),
  },
];
const MIN_TEXT = 12;

/** One row per task; fits `columns`. */
export function taskTable(ctx: Ctx, tasks: readonly Task[], columns: number): string {
  const { c } = ctx;
  if (!tasks.length) return c.dim('(no tasks)');
  const used = COLUMNS.filter((col) => !col.optional || tasks.some((t) => col.value(t) !== ''));
  const widths = used.map((col) =>
    Math.min(col.cap, Math.max(col.head.length, ...tasks.map((t) => col.value(t).length))),
  );
  // Shrink the widest columns toward their minimum until the description has room.
  const room = () => columns - widths.reduce((sum, w) => sum + w + GAP, 0);
  while (room() < MIN_TEXT) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++)
      if (
        (widths[i] as number) > (used[i] as Column).min &&
        (widest < 0 || (widths[i] as number) > (widths[widest] as number))
      )
        widest = i;
    if (widest < 0) break;
    widths[widest] = (widths[widest] as number) - 1;
  }
  const textWidth = Math.max(MIN_TEXT, room());
  const table = new Table({
    head: [...used.map((col) => c.bold(col.head)), c.bold('DESCRIPTION')],
    colWidths: [...widths.map((w) => w + GAP), textWidth],
    colAligns: [...used.map((col) => col.align ?? 'left'), 'left'],
    wordWrap: false,
    truncate: '…',
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': GAP },
    chars: NO_BORDER,
  });
  for (const task of tasks)
    table.push([
      ...used.map((col) => {
        const value = col.value(task);
        return col.paint ? col.paint(ctx, value, task) : value;
      }),
      cut(task.description, textWidth - GAP),
    ]);
  return table
    .toString()
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .join('\n');
}
