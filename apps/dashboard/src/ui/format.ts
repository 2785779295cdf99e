// Formatting for people: relative times, countdowns, first lines of a description.
import { useSyncExternalStore } from 'react';
import { isTerminal, type Task } from '@task-coordinator/core';

/** "3s", "4m 05s", "2h 10m", "3d 4h" */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function ago(at: number, now: number): string {
  return now - at < 1000 ? 'just now' : `${duration(now - at)} ago`;
}

export function dateTime(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** The first line of a text (an error's headline). */
export function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}

/**
 * Overdue, everywhere in the dashboard (card and task page): the deadline has passed and the task
 * is not finished. Finished means done or cancelled; a failed task still has work to do (a reset
 * puts it back), so it can be overdue.
 */
export function isOverdue(task: Pick<Task, 'deadline' | 'status'>, now: number): boolean {
  return task.deadline !== null && task.deadline < now && !isTerminal(task.status);
}

// One clock for every countdown on the page: a tick a second, only while something listens.
const tickers = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;
let nowValue = Date.now();

function subscribeClock(listener: () => void) {
  tickers.add(listener);
  if (!timer) {
    nowValue = Date.now();
    timer = setInterval(() => {
      nowValue = Date.now();
      tickers.forEach((l) => l());
    }, 1000);
  }
  return () => {
    tickers.delete(listener);
    if (!tickers.size && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** The time now, updated each second while the component is mounted. */
export function useNow(): number {
  return useSyncExternalStore(subscribeClock, () => nowValue);
}
