// A card on the board: what a human scans for — who holds it, for how long, is it late, why it failed.
//
// Every row of the card has a fixed height, so the description gets a whole number of lines
// (three, or one fewer for each holder, progress or error line shown) and is clamped with an ellipsis; long
// unbroken strings wrap anywhere instead of running out of the card.
import { memo } from 'react';
import { isActive, type Task } from '@task-coordinator/core';
import { Link } from '../ui/router.js';
import { duration, firstLine, isOverdue } from '../ui/format.js';

export const CARD_HEIGHT = 130;
/** Lines of description a card shows: fewer when it has a holder or error line. */
export const CARD_LINES = { full: 3, withExtraLine: 2, withTwoExtraLines: 1 } as const;
/** Characters handed to the clamp (far more than three lines hold; keeps huge texts out of the DOM). */
const DESCRIPTION_CHARS = 600;

export const TaskCard = memo(function TaskCard({ task, now, href }: { task: Task; now: number; href: string }) {
  const overdue = isOverdue(task, now);
  const leaseLeft = task.leaseExpiresAt !== null ? task.leaseExpiresAt - now : null;
  const holder = task.worker !== null && isActive(task.status);
  const error = task.status === 'failed' && task.error ? firstLine(task.error) : null;
  // Holder, progress and error lines each take one line of the description's room.
  const extra = Number(holder) + Number(Boolean(task.progress)) + Number(error !== null);
  const lines = extra === 0 ? CARD_LINES.full : extra === 1 ? CARD_LINES.withExtraLine : CARD_LINES.withTwoExtraLines;
  return (
    <article
      className={`card status-${task.status}`}
      data-task-id={task.id}
      aria-label={`task ${task.id}, ${task.status}`}
    >
      <header className="card-head">
        <Link href={href} className="card-id" title={task.id}>
          {task.id}
        </Link>
        {task.priority !== 0 && (
          <span className="badge priority" title="priority">
            P{task.priority}
          </span>
        )}
      </header>
      <p className={`card-desc lines-${lines}`}>{task.description.slice(0, DESCRIPTION_CHARS)}</p>
      {holder && (
        <p className="card-line holder" title="holder and slot">
          {task.worker}
          {task.slot !== null ? ` · slot ${task.slot}` : ''}
        </p>
      )}
      {task.progress && (
        <p className="card-line card-progress" title={`progress: ${task.progress}`}>
          ▸ {task.progress}
        </p>
      )}
      {error !== null && (
        <p className="card-line card-error" title={task.error ?? undefined}>
          {error}
        </p>
      )}
      <footer className="card-meta">
        {task.attempts > 0 && (
          <span className="attempts" title="attempts so far / allowed">
            {task.attempts}/{task.maxAttempts}
          </span>
        )}
        {task.deadline !== null && (
          <span className={overdue ? 'deadline overdue' : 'deadline'} title={new Date(task.deadline).toLocaleString()}>
            {overdue ? `overdue ${duration(now - task.deadline)}` : `due in ${duration(task.deadline - now)}`}
          </span>
        )}
        {leaseLeft !== null && (
          <span className={leaseLeft < 15_000 ? 'lease short' : 'lease'} title="lease time left">
            lease {leaseLeft > 0 ? duration(leaseLeft) : 'expiring'}
          </span>
        )}
        {task.labels.slice(0, 4).map((label) => (
          <span key={label} className="chip" title={label}>
            {label}
          </span>
        ))}
      </footer>
    </article>
  );
});
