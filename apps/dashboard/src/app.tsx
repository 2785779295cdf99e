// The app shell: header (views, project, connection state), the current view, the token prompt.
import { Suspense, lazy, useEffect, useMemo, useState } from 'react';
import { DEFAULT_PROJECT } from '@task-coordinator/core';
import { getToken } from './api/token.js';
import { BoardStore, type ConnectionState } from './live/board-store.js';
import {
  BoardContext,
  useBoardStore,
  useColumn,
  useConnection,
  useLoadError,
  useLoading,
  useSlots,
  useStats,
  useTaskCount,
} from './live/use-board.js';
import { Link, navigate, projectOf, useLocation, withQuery } from './ui/router.js';
import { AddTaskForm } from './views/add-task-form.js';
import { AuditView } from './views/audit-view.js';
import { WebhooksView } from './views/webhooks-view.js';
import { BoardView } from './views/board-view.js';
import { SlotsView } from './views/slots-view.js';
import { TaskPage } from './views/task-page.js';
import { ThroughputView } from './views/throughput-view.js';
import { TokenPrompt } from './views/token-prompt.js';
import { AgentsView } from './views/agents-view.js';
import { NeedsYouView, needingPeople } from './views/needs-you-view.js';
import { ReservationsView } from './views/reservations-view.js';

// The graph (React Flow and dagre) is half the code: loaded when first opened, not before the board.
const GraphView = lazy(() => import('./views/graph-view.js').then((m) => ({ default: m.GraphView })));
const PlansView = lazy(() => import('./views/plans-view.js').then((m) => ({ default: m.PlansView })));

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Server unreachable — retrying',
  unauthorized: 'Token required',
};

const VIEWS = [
  { path: '/', label: 'Board' },
  { path: '/needs-you', label: 'Needs you' },
  { path: '/agents', label: 'Agents' },
  { path: '/slots', label: 'Slots' },
  { path: '/reservations', label: 'Files' },
  { path: '/graph', label: 'Graph' },
  { path: '/throughput', label: 'Throughput' },
  { path: '/audit', label: 'Audit' },
  { path: '/webhooks', label: 'Webhooks' },
  { path: '/add', label: 'Add task' },
  { path: '/plans', label: 'Plans' },
] as const;

export function App() {
  const location = useLocation();
  const project = projectOf(location.query);
  const store = useMemo(() => new BoardStore(project), [project]);
  useEffect(() => {
    store.start();
    return () => store.close();
  }, [store]);
  return (
    <BoardContext.Provider value={store}>
      <Shell />
    </BoardContext.Provider>
  );
}

function Shell() {
  const location = useLocation();
  const connection = useConnection();
  const [triedToken, setTriedToken] = useState(false);
  return (
    <div className="app">
      <header className="top">
        <h1>
          <Link href={withQuery('/', location.query)}>Task Coordinator</Link>
        </h1>
        <nav aria-label="views">
          {VIEWS.map((view) => (
            <Link
              key={view.path}
              href={withQuery(view.path, location.query)}
              aria-current={location.path === view.path ? 'page' : undefined}
            >
              {view.label}
              {view.path === '/needs-you' && <NeedsCount />}
            </Link>
          ))}
        </nav>
        <ProjectPicker key={projectOf(location.query)} />
        <ConnectionStatus />
        <BoardTotals />
      </header>
      <main>
        {connection === 'unauthorized' ? (
          <TokenGate tried={triedToken} onTried={() => setTriedToken(true)} />
        ) : (
          <Route />
        )}
      </main>
    </div>
  );
}

// The header's live parts subscribe on their own: a new count re-renders them, not the page.
function ConnectionStatus() {
  const connection = useConnection();
  const error = useLoadError();
  return (
    <span className={`connection ${connection}`} role="status" aria-live="polite" data-connection={connection}>
      <span className="dot" aria-hidden="true" /> {CONNECTION_TEXT[connection]}
      {connection === 'offline' && error ? <span className="muted"> ({error})</span> : null}
    </span>
  );
}

function BoardTotals() {
  const stats = useStats();
  const count = useTaskCount();
  const loading = useLoading();
  const slots = useSlots();
  if (!stats) return null;
  const held = slots.filter((s) => !s.free).length;
  return (
    <span className="muted total">
      {count.toLocaleString()} tasks{loading ? ' (loading…)' : ''} · {held}/{slots.length || stats.slots.total} slots
    </span>
  );
}

function TokenGate({ tried, onTried }: { tried: boolean; onTried: () => void }) {
  const store = useBoardStore();
  return (
    <TokenPrompt
      wrong={tried && getToken() !== null}
      onToken={() => {
        onTried();
        store.reload();
      }}
    />
  );
}

/** Keyed by the current project: another project in the URL starts it afresh. */
function ProjectPicker() {
  const location = useLocation();
  const [value, setValue] = useState(projectOf(location.query));
  return (
    <form
      className="project"
      onSubmit={(e) => {
        e.preventDefault();
        const next = new URLSearchParams();
        if (value.trim() && value.trim() !== DEFAULT_PROJECT) next.set('project', value.trim());
        navigate(`/${next.size ? `?${next}` : ''}`);
      }}
    >
      <label>
        <span>Project</span>
        <input value={value} onChange={(e) => setValue(e.target.value)} size={10} />
      </label>
    </form>
  );
}

/** The header's count of what waits on a person (live, from the board). */
function NeedsCount() {
  const waiting = useColumn('waiting');
  const review = useColumn('review');
  const { questions, reviews } = needingPeople([...waiting.values(), ...review.values()]);
  const count = questions.length + reviews.length;
  return (
    <span
      className={count ? 'needs-count some' : 'needs-count'}
      data-needs-count={count}
      aria-label={`${count} waiting on you`}
    >
      {count}
    </span>
  );
}

function Route() {
  const location = useLocation();
  const path = location.path;
  if (path.startsWith('/tasks/')) {
    let id: string;
    try {
      id = decodeURIComponent(path.slice('/tasks/'.length));
    } catch {
      return <p className="error">That address does not name a task (malformed escape in the URL).</p>;
    }
    return <TaskPage key={path} id={id} />;
  }
  switch (path) {
    case '/':
      return <BoardView />;
    case '/slots':
      return <SlotsView />;
    case '/needs-you':
      return <NeedsYouView />;
    case '/agents':
      return <AgentsView />;
    case '/reservations':
      return <ReservationsView />;
    case '/graph':
      return (
        <Suspense fallback={<p className="muted">Loading the graph…</p>}>
          <GraphView />
        </Suspense>
      );
    case '/throughput':
      return <ThroughputView />;
    case '/add':
      return <AddTaskForm />;
    case '/audit':
      return <AuditView />;
    case '/webhooks':
      return <WebhooksView />;
    case '/plans':
      return (
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <PlansView />
        </Suspense>
      );
    default:
      return (
        <p>
          No page here. <Link href={withQuery('/', location.query)}>Go to the board</Link>.
        </p>
      );
  }
}
