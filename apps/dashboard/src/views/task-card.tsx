// A card on the board: what a human scans for — who holds it, for how long, is it late.
import { memo } from 'react';
import type { Task } from '@task-coordinator/core';
import { Link } from '../ui/router.js';
import { duration, firstLines } from '../ui/format.js';

export const CARD_HEIGHT = 122;

export const TaskCard = memo(function TaskCard({ task, now, href }: { task: Task; now: number; href: string }) {
  const overdue = task.deadline !== null && task.deadline < now && task.status !== 'done' && task.status !== 'cancelled';
  const leaseLeft = task.leaseExpiresAt !== null ? task.leaseExpiresAt - now : null;
  return (
    <article className={`card status-${task.status}`} data-task-id={task.id} aria-label={`task ${task.id}, ${task.status}`}>
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
      <p className="card-desc">{firstLines(task.description)}</p>
      <footer className="card-meta">
        {task.labels.slice(0, 4).map((label) => (
          <span key={label} className="chip">
            {label}
          </span>
        ))}
        {task.worker && (task.status === 'claimed' || task.status === 'working') && (
          <span className="holder" title="holder and slot">
            {task.worker}
            {task.slot !== null ? ` · slot ${task.slot}` : ''}
          </span>
        )}
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
      </footer>
    </article>
  );
});
