// The task page's files: the patterns it declares, the reservations taken for it (live), and why claim-next
// skips it right now when another worker holds its files.
import type { TaskDetail } from '@task-coordinator/core';
import { blockedByText, useReservations } from '../live/reservations.js';
import { Link, useLocation, withQuery } from '../ui/router.js';
import { ReservationTable } from './reservations-view.js';

export function TaskFiles({ task }: { task: TaskDetail }) {
  const location = useLocation();
  const { reservations } = useReservations();
  const mine = (reservations ?? []).filter((r) => r.taskId === task.id);
  const files = task.files;
  const blockedBy = task.blockedBy;
  if (!files.length && !mine.length && !blockedBy) return null;
  return (
    <div className="task-files" data-testid="task-files">
      {blockedBy && (
        <p className="blocked-by" role="status" data-testid="blocked-by">
          {blockedByText(blockedBy)}{' '}
          <Link href={withQuery(`/tasks/${encodeURIComponent(blockedBy.taskId)}`, location.query)}>
            {blockedBy.taskId}
          </Link>
          : claims skip it until that is free.
        </p>
      )}
      {files.length > 0 && (
        <>
          <h3>Files it declares</h3>
          <ul className="declared-files" aria-label="declared files">
            {files.map((f) => (
              <li key={f}>
                <code>{f}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Reservations ({mine.length})</h3>
      {mine.length ? (
        <ReservationTable reservations={mine} withTask={false} />
      ) : (
        <p className="muted" data-testid="no-reservations">
          None held for this task.
        </p>
      )}
    </div>
  );
}
