// One task, with its own URL: full text, output or error, dependencies and dependents, the history
// from the events, and the actions that apply to its status (destructive ones confirmed).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { TaskDetail, TaskEvent } from '@task-coordinator/core';
import { useBoard, useBoardStore } from '../live/use-board.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';
import { dateTime, duration, useNow } from '../ui/format.js';
import { Link, useLocation, withQuery } from '../ui/router.js';
import { describeEvent } from './event-text.js';

type Action = 'reset' | 'cancel' | 'release';

export function TaskPage({ id }: { id: string }) {
  const store = useBoardStore();
  const { board } = useBoard();
  const location = useLocation();
  const now = useNow();
  const [task, setTask] = useState<TaskDetail | null>(null);
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Action | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  // Refetches can overlap (an event, an action): only the latest request's answer is shown.
  const latest = useRef(0);
  const load = useCallback(async () => {
    const request = ++latest.current;
    try {
      const [detail, history] = await Promise.all([store.api.getTask(id), store.api.history(id)]);
      if (request !== latest.current) return;
      setTask(detail.task);
      setEvents(history.events);
      setError(null);
    } catch (e) {
      if (request === latest.current) setError((e as Error).message);
    }
  }, [store, id]);

  useEffect(() => {
    setTask(null);
    setEvents([]);
    void load();
    // Every event about this task: refetch (the page shows fields events do not carry, e.g. output).
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = store.onTaskEvent(id, () => {
      timer ??= setTimeout(() => {
        timer = null;
        void load();
      }, 50);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [store, id, load]);

  const act = async (action: Action) => {
    if (!task) return;
    setMessage(null);
    try {
      if (action === 'reset') store.put((await store.api.reset(task.id)).task);
      if (action === 'cancel') store.put((await store.api.cancel(task.id, 'cancelled from the dashboard')).task);
      // Fenced by the holder: if the task changed hands meanwhile, the server answers LEASE_LOST.
      if (action === 'release' && task.worker !== null) store.put((await store.api.releaseTask(task.id, task.worker)).task);
      await load();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };

  const link = (taskId: string) => withQuery(`/tasks/${encodeURIComponent(taskId)}`, location.query);
  if (error && !task) {
    return (
      <section className="task-page" aria-label="task">
        <h2>{id}</h2>
        <p className="error" role="alert">
          {error}
        </p>
        <Link href={withQuery('/', location.query)}>Back to the board</Link>
      </section>
    );
  }
  if (!task) return <p className="muted">Loading {id}…</p>;

  const active = task.status === 'claimed' || task.status === 'working';
  // A confirmation about a claim that has ended in the meantime would act on nothing (or on
  // another claim): it closes instead.
  const statusOf = (taskId: string) => board.tasks.get(taskId)?.status ?? 'unknown';
  return (
    <section className="task-page" aria-label="task">
      <header className="task-head">
        <h2>
          <span className="task-title">{task.id}</span> <span className={`badge status-${task.status}`}>{task.status}</span>
        </h2>
        <div className="actions">
          {(task.status === 'failed' || task.status === 'cancelled') && (
            <button type="button" className="primary" onClick={() => void act('reset')}>
              Reset
            </button>
          )}
          {active && task.worker !== null && (
            <button type="button" onClick={() => setConfirm('release')}>
              Release claim
            </button>
          )}
          {task.status !== 'done' && task.status !== 'cancelled' && (
            <button type="button" className="danger" onClick={() => setConfirm('cancel')}>
              Cancel task
            </button>
          )}
          <Link className="button" href={withQuery('/graph', new URLSearchParams({ ...Object.fromEntries(location.query), task: task.id }), ['project', 'task'])}>
            Graph
          </Link>
        </div>
      </header>
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      <dl className="facts">
        <dt>Priority</dt>
        <dd>{task.priority}</dd>
        <dt>Labels</dt>
        <dd>{task.labels.length ? task.labels.join(', ') : '—'}</dd>
        <dt>Holder</dt>
        <dd>{task.worker ? `${task.worker}${task.slot !== null ? ` · slot ${task.slot}` : ''}` : '—'}</dd>
        <dt>Attempts</dt>
        <dd>
          {task.attempts} of {task.maxAttempts}
        </dd>
        <dt>Lease</dt>
        <dd>{task.leaseExpiresAt !== null ? `${duration(task.leaseExpiresAt - now)} left` : '—'}</dd>
        <dt>Deadline</dt>
        <dd className={task.deadline !== null && task.deadline < now && task.status !== 'done' ? 'overdue' : ''}>{task.deadline !== null ? dateTime(task.deadline) : '—'}</dd>
        <dt>Created</dt>
        <dd>{dateTime(task.createdAt)}</dd>
        {task.completedAt !== null && (
          <>
            <dt>Finished</dt>
            <dd>{dateTime(task.completedAt)}</dd>
          </>
        )}
      </dl>
      <h3>Description</h3>
      <pre className="text" data-testid="description">
        {task.description}
      </pre>
      {task.output !== null && (
        <>
          <h3>Output</h3>
          <pre className="text">{task.output}</pre>
        </>
      )}
      {task.error !== null && (
        <>
          <h3>Error</h3>
          <pre className="text error">{task.error}</pre>
        </>
      )}
      <div className="relations">
        <TaskLinks title="Depends on" ids={task.dependencies} statusOf={statusOf} link={link} />
        <TaskLinks title="Dependents" ids={task.dependents} statusOf={statusOf} link={link} />
      </div>
      <h3>History</h3>
      <ol className="timeline" aria-label="history">
        {events.map((event) => (
          <li key={event.seq} data-event-type={event.type}>
            <time dateTime={new Date(event.at).toISOString()}>{dateTime(event.at)}</time> <strong>{event.type}</strong> {describeEvent(event)}
          </li>
        ))}
      </ol>
      {confirm === 'cancel' && (
        <ConfirmDialog
          title={`Cancel ${task.id}?`}
          body={active ? `${task.worker} is holding it: its next call gets LEASE_LOST. A cancelled task can be reset later.` : 'A cancelled task can be reset later.'}
          confirm="Cancel task"
          destructive
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            setConfirm(null);
            void act('cancel');
          }}
        />
      )}
      {confirm === 'release' && active && (
        <ConfirmDialog
          title={`Release ${task.id} from ${task.worker}?`}
          body={`The task goes back to the queue without counting an attempt, and ${task.worker} loses it (its next call gets LEASE_LOST). Use this for a stuck agent.`}
          confirm="Release"
          destructive
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            setConfirm(null);
            void act('release');
          }}
        />
      )}
    </section>
  );
}

function TaskLinks({ title, ids, statusOf, link }: { title: string; ids: string[]; statusOf: (id: string) => string; link: (id: string) => string }) {
  return (
    <div>
      <h3>
        {title} ({ids.length})
      </h3>
      <ul>
        {ids.map((id) => (
          <li key={id}>
            <Link href={link(id)}>{id}</Link> <span className={`badge status-${statusOf(id)}`}>{statusOf(id)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
