// One task, with its own URL: full text, output or error, dependencies and dependents, the history
// from the events, and the actions that apply to its status (destructive ones confirmed).
import { useCallback, useEffect, useRef, useState } from 'react';
import { allows, isActive, type TaskDetail, type TaskEvent } from '@task-coordinator/core';
import { NotesPanel } from './notes-panel.js';
import { useBoardStore, useTasks } from '../live/use-board.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';
import { dateTime, duration, isOverdue, useNow } from '../ui/format.js';
import { Link, useLocation, withQuery } from '../ui/router.js';
import { describeEvent } from './event-text.js';
import { TaskFiles } from './task-files.js';

type Action = 'reset' | 'cancel' | 'release';

export function TaskPage({ id }: { id: string }) {
  const store = useBoardStore();
  const location = useLocation();
  const now = useNow();
  const [task, setTask] = useState<TaskDetail | null>(null);
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Action | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  // Refetches can overlap (an event, an action): only the latest request's answer is shown.
  const latest = useRef(0);
  const load = useCallback((): Promise<void> => {
    const request = ++latest.current;
    return Promise.all([store.api.getTask(id), store.api.history(id)]).then(
      ([detail, history]) => {
        if (request !== latest.current) return;
        setTask(detail.task);
        setEvents(history.events);
        setError(null);
      },
      (e: Error) => {
        if (request === latest.current) setError(e.message);
      },
    );
  }, [store, id]);

  // The page is keyed by its task (app.tsx): a new id mounts a fresh page, with nothing shown yet.
  useEffect(() => {
    void load();
    // Every event about this task: refetch (the page shows fields events do not carry, e.g. output).
    const reload = debounced(() => void load());
    const off = store.onTaskEvent(id, reload.call);
    return () => {
      off();
      reload.cancel();
    };
  }, [store, id, load]);

  // An available task declaring files waits on other tasks' claims: their events may change its blockedBy.
  const followOthers = task?.status === 'available' && task.files.length > 0;
  useEffect(() => {
    if (!followOthers) return;
    const reload = debounced(() => void load());
    const off = store.onEvent((event) => {
      if (event.taskId !== id) reload.call();
    });
    return () => {
      off();
      reload.cancel();
    };
  }, [store, id, load, followOthers]);

  const act = async (action: Action) => {
    if (!task) return;
    setMessage(null);
    try {
      if (action === 'reset') store.put((await store.api.reset(task.id)).task);
      if (action === 'cancel') store.put((await store.api.cancel(task.id, 'cancelled from the dashboard')).task);
      // Fenced by the holder: if the task changed hands meanwhile, the server answers LEASE_LOST.
      if (action === 'release' && task.worker !== null)
        store.put((await store.api.releaseTask(task.id, task.worker)).task);
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

  const active = isActive(task.status);
  // A confirmation about a claim that has ended in the meantime would act on nothing (or on
  // another claim): it closes instead.
  return (
    <section className="task-page" aria-label="task">
      <header className="task-head">
        <h2>
          <span className="task-title">{task.id}</span>{' '}
          <span className={`badge status-${task.status}`}>{task.status}</span>
        </h2>
        <div className="actions">
          {allows('reset', task.status) && (
            <button type="button" className="primary" onClick={() => void act('reset')}>
              Reset
            </button>
          )}
          {active && task.worker !== null && (
            <button type="button" onClick={() => setConfirm('release')}>
              Release claim
            </button>
          )}
          {allows('cancel', task.status) && (
            <button type="button" className="danger" onClick={() => setConfirm('cancel')}>
              Cancel task
            </button>
          )}
          <Link
            className="button"
            href={withQuery('/graph', new URLSearchParams({ ...Object.fromEntries(location.query), task: task.id }), [
              'project',
              'task',
            ])}
          >
            Graph
          </Link>
        </div>
      </header>
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      <div className="task-main">
        <dl className="facts">
          <dt>Priority</dt>
          <dd>{task.priority}</dd>
          <dt>Labels</dt>
          <dd>{task.labels.length ? task.labels.join(', ') : '—'}</dd>
          {/* A holder only while the task is held; a finished task names who last held it. */}
          {active ? (
            <>
              <dt>Holder</dt>
              <dd>{task.worker ? `${task.worker}${task.slot !== null ? ` · slot ${task.slot}` : ''}` : '—'}</dd>
            </>
          ) : task.worker !== null ? (
            <>
              <dt>Last held by</dt>
              <dd>{task.worker}</dd>
            </>
          ) : null}
          <dt>Attempts</dt>
          <dd>
            {task.attempts} of {task.maxAttempts}
          </dd>
          <dt>Lease</dt>
          <dd>{task.leaseExpiresAt !== null ? `${duration(task.leaseExpiresAt - now)} left` : '—'}</dd>
          <dt>Deadline</dt>
          <dd className={isOverdue(task, now) ? 'overdue' : ''}>
            {task.deadline !== null ? dateTime(task.deadline) : '—'}
            {isOverdue(task, now) && task.deadline !== null ? ` (overdue ${duration(now - task.deadline)})` : ''}
          </dd>
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
        <TaskFiles task={task} />
        <NotesPanel task={task} />
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
          <TaskLinks title="Depends on" ids={task.dependencies} link={link} />
          <TaskLinks title="Dependents" ids={task.dependents} link={link} />
        </div>
      </div>
      <div className="task-history">
        <h3>History</h3>
        <ol className="timeline" aria-label="history">
          {events.map((event) => (
            <li key={event.seq} data-event-type={event.type}>
              <time dateTime={new Date(event.at).toISOString()}>{dateTime(event.at)}</time>{' '}
              <strong>{event.type}</strong> {describeEvent(event)}
            </li>
          ))}
        </ol>
      </div>
      {confirm === 'cancel' && (
        <ConfirmDialog
          title={`Cancel ${task.id}?`}
          body={
            active
              ? `${task.worker} is holding it: its next call gets LEASE_LOST. A cancelled task can be reset later.`
              : 'A cancelled task can be reset later.'
          }
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

function TaskLinks({ title, ids, link }: { title: string; ids: string[]; link: (id: string) => string }) {
  // Live statuses from the board: only this list re-renders when the board changes.
  const tasks = useTasks();
  const statusOf = (taskId: string) => tasks.get(taskId)?.status ?? 'unknown';
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

/** One call of `fn` per burst of `call()`s within `ms`; `cancel` drops a pending one. */
function debounced(fn: () => void, ms = 50): { call: () => void; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    call: () => {
      timer ??= setTimeout(() => {
        timer = null;
        fn();
      }, ms);
    },
    cancel: () => {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
