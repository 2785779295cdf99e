// File reservations: every pattern a worker holds for a task it holds, live. The list view, and the
// pieces the task page and the agents and slots views show of it.
import { useMemo, useState } from 'react';
import { useReservations, type Reservation } from '../live/reservations.js';
import { ago, useNow } from '../ui/format.js';
import { Link, useLocation, withQuery } from '../ui/router.js';

export function ReservationsView() {
  const { reservations, error } = useReservations();
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const list = reservations ?? [];
    return q
      ? list.filter((r) => [r.pattern, r.worker, r.taskId].some((text) => text.toLowerCase().includes(q)))
      : list;
  }, [reservations, filter]);
  return (
    <section className="reservations-view" aria-label="file reservations">
      <h2>
        File reservations{' '}
        <span className="muted" data-reservation-count={reservations?.length ?? 0}>
          {reservations ? `${reservations.length} held` : ''}
        </span>
      </h2>
      <p className="muted">
        Patterns agents hold for the tasks they hold (reserve_files). Another agent&apos;s edit of a matching file is
        refused by the guard; each goes when its task is finished.
      </p>
      <label className="field">
        <span>Filter</span>
        <input
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder="pattern, agent or task"
          aria-label="filter reservations"
        />
      </label>
      {error ? <p className="error">Could not load the reservations: {error}</p> : null}
      {!reservations ? (
        <p className="muted">Loading…</p>
      ) : !shown.length ? (
        <p className="muted">{reservations.length ? 'None match the filter.' : 'Nobody holds files right now.'}</p>
      ) : (
        <ReservationTable reservations={shown} />
      )}
    </section>
  );
}

export function ReservationTable({
  reservations,
  withTask = true,
}: {
  reservations: readonly Reservation[];
  withTask?: boolean;
}) {
  const location = useLocation();
  const now = useNow();
  return (
    <table className="reservations" aria-label="reservations">
      <thead>
        <tr>
          <th scope="col">Pattern</th>
          <th scope="col">Mode</th>
          <th scope="col">Agent</th>
          {withTask && <th scope="col">Task</th>}
          <th scope="col">Reason</th>
          <th scope="col">Since</th>
        </tr>
      </thead>
      <tbody>
        {reservations.map((r) => (
          <tr key={`${r.taskId} ${r.pattern}`} data-reservation={r.pattern} data-task={r.taskId}>
            <td>
              <code>{r.pattern}</code>
            </td>
            <td>
              <span className={`badge mode-${r.mode}`}>{r.mode}</span>
            </td>
            <td>{r.worker}</td>
            {withTask && (
              <td>
                <Link href={withQuery(`/tasks/${encodeURIComponent(r.taskId)}`, location.query)}>{r.taskId}</Link>
              </td>
            )}
            <td>{r.reason ?? <span className="muted">—</span>}</td>
            <td>{ago(r.createdAt, now)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The patterns one worker (or one task) holds, inline: `src/auth/** · docs/*.md (shared)`. */
export function HeldFiles({ reservations }: { reservations: readonly Reservation[] }) {
  if (!reservations.length) return <span className="muted">—</span>;
  return (
    <span className="held-files" data-held-files={reservations.map((r) => r.pattern).join(' ')}>
      {reservations.map((r, i) => (
        <span key={`${r.taskId} ${r.pattern}`}>
          {i > 0 ? ' · ' : ''}
          <code>{r.pattern}</code>
          {r.mode === 'shared' ? <span className="muted"> (shared)</span> : null}
        </span>
      ))}
    </span>
  );
}
