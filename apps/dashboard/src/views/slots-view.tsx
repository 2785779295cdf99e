// Worker slots: who holds each one, the task in it, lease time left, last heartbeat; free looks free.
import type { SlotView } from '@task-coordinator/core';
import { useSlots, useStats } from '../live/use-board.js';
import { ago, duration, useNow } from '../ui/format.js';
import { Link, useLocation, withQuery } from '../ui/router.js';
import { useReservations, type Reservation } from '../live/reservations.js';
import { HeldFiles } from './reservations-view.js';

export function SlotsView() {
  const slots = useSlots();
  const stats = useStats();
  const now = useNow();
  const location = useLocation();
  const { reservations } = useReservations();
  const held = slots.filter((s) => !s.free).length;
  return (
    <section className="slots-view" aria-label="worker slots">
      <h2>
        Worker slots{' '}
        <span className="muted">
          {held} of {stats?.slots.total ?? slots.length} held
        </span>
      </h2>
      <table className="slots">
        <thead>
          <tr>
            <th scope="col">Slot</th>
            <th scope="col">Worker</th>
            <th scope="col">Task</th>
            <th scope="col">Lease left</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">Files held</th>
          </tr>
        </thead>
        <tbody>
          {slots.map((slot) => (
            <SlotRow
              key={slot.slot}
              slot={slot}
              now={now}
              query={location.query}
              files={(reservations ?? []).filter((r) => slot.taskId !== null && r.taskId === slot.taskId)}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SlotRow({
  slot,
  now,
  query,
  files,
}: {
  slot: SlotView;
  now: number;
  query: URLSearchParams;
  files: readonly Reservation[];
}) {
  if (slot.free) {
    return (
      <tr className="slot free" data-slot={slot.slot}>
        <th scope="row">{slot.slot}</th>
        <td colSpan={5} className="muted">
          free
        </td>
      </tr>
    );
  }
  const left = slot.leaseExpiresAt === null ? null : slot.leaseExpiresAt - now;
  return (
    <tr className="slot held" data-slot={slot.slot}>
      <th scope="row">{slot.slot}</th>
      <td>{slot.worker ?? <span className="muted">anonymous (original client)</span>}</td>
      <td>
        {slot.taskId ? (
          <Link href={withQuery(`/tasks/${encodeURIComponent(slot.taskId)}`, query)}>{slot.taskId}</Link>
        ) : (
          <span className="muted">idle</span>
        )}
      </td>
      <td className={left !== null && left < 15_000 ? 'lease short' : 'lease'}>
        {left === null ? '—' : left > 0 ? duration(left) : 'expiring'}
      </td>
      <td>{slot.lastSeenAt === null ? '—' : ago(slot.lastSeenAt, now)}</td>
      <td>
        <HeldFiles reservations={files} />
      </td>
    </tr>
  );
}
