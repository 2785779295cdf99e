// The project's file reservations, live: loaded once, then moved by the events `files.reserved` and
// `files.released` (a task that finishes releases its reservations with one, reason 'task-finished').
// Events that arrive while the list loads are applied on top of it, in order: each step is idempotent
// (put by task and pattern, remove by task and pattern), so the list converges on the server's.
import { useEffect, useState } from 'react';
import type { BlockedBy, Reservation, TaskEvent } from '@task-coordinator/core';
import { queryString, request } from '../api/client.js';
import { useBoardStore, useConnection } from './use-board.js';

export type { BlockedBy, Reservation } from '@task-coordinator/core';

export const RESERVATION_EVENTS: ReadonlySet<string> = new Set(['files.reserved', 'files.released', 'tasks.cleaned']);

export function listReservations(project: string, signal?: AbortSignal) {
  return request<{ reservations: Reservation[] }>(
    'GET',
    `/api/v1/reservations${queryString({ project })}`,
    undefined,
    signal,
  );
}

const key = (r: { taskId: string; pattern: string }) => `${r.taskId}\u0000${r.pattern}`;

/** The list after one event; the same array when the event changes nothing. */
export function applyReservationEvent(list: readonly Reservation[], event: TaskEvent): readonly Reservation[] {
  const type = event.type;
  if (type === 'tasks.cleaned') return list.length ? [] : list;
  const data = event.data as {
    taskId?: string;
    reservations?: Reservation[];
    patterns?: string[];
  };
  const taskId = data.taskId ?? event.taskId;
  if (type === 'files.reserved' && Array.isArray(data.reservations)) {
    const added = new Map(data.reservations.map((r) => [key(r), r]));
    return [...list.filter((r) => !added.has(key(r))), ...added.values()];
  }
  if (type === 'files.released' && taskId) {
    // No patterns named: every reservation of the task went.
    const gone = Array.isArray(data.patterns) && data.patterns.length ? new Set(data.patterns) : null;
    const kept = list.filter((r) => r.taskId !== taskId || (gone !== null && !gone.has(r.pattern)));
    return kept.length === list.length ? list : kept;
  }
  return list;
}

/** Every reservation of the board's project, live; null while the first load runs. */
export function useReservations(): { reservations: readonly Reservation[] | null; error: string | null } {
  const store = useBoardStore();
  const connection = useConnection();
  const [reservations, setReservations] = useState<readonly Reservation[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (connection !== 'live') return;
    const controller = new AbortController();
    let pending: TaskEvent[] | null = [];
    const off = store.onEvent((event) => {
      if (!RESERVATION_EVENTS.has(event.type)) return;
      if (pending) pending.push(event);
      else setReservations((list) => (list ? applyReservationEvent(list, event) : list));
    });
    listReservations(store.project, controller.signal).then(
      ({ reservations: loaded }) => {
        let list: readonly Reservation[] = loaded;
        for (const event of pending ?? []) list = applyReservationEvent(list, event);
        pending = null;
        setReservations(list);
        setError(null);
      },
      (e: Error) => {
        if (!controller.signal.aborted) setError(e.message);
      },
    );
    return () => {
      off();
      controller.abort();
    };
  }, [store, connection]);
  return { reservations, error };
}

/** `Waiting for src/auth/** held by agent-3 on task` (the task id follows, as a link) */
export function blockedByText(b: BlockedBy): string {
  const held = b.heldPattern === b.pattern ? b.pattern : `${b.heldPattern} (overlaps ${b.pattern})`;
  return `Waiting for ${held} held by ${b.worker} on task`;
}
