// The app shell: header (views, project, connection state), the current view, the token prompt.
import { Suspense, lazy, useEffect, useMemo, useState } from 'react';
import { getToken } from './api/token.js';
import { BoardStore, type ConnectionState } from './live/board-store.js';
import { BoardContext, useBoard, useBoardStore } from './live/use-board.js';
import { Link, navigate, useLocation, withQuery } from './ui/router.js';
import { AddTaskForm } from './views/add-task-form.js';
import { AuditView } from './views/audit-view.js';
import { BoardView } from './views/board-view.js';
import { SlotsView } from './views/slots-view.js';
import { TaskPage } from './views/task-page.js';
import { ThroughputView } from './views/throughput-view.js';
import { TokenPrompt } from './views/token-prompt.js';

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
  { path: '/slots', label: 'Slots' },
  { path: '/graph', label: 'Graph' },
  { path: '/throughput', label: 'Throughput' },
  { path: '/audit', label: 'Audit' },
  { path: '/add', label: 'Add task' },
  { path: '/plans', label: 'Plans' },
] as const;

export function App() {
  const location = useLocation();
  const project = location.query.get('project') || 'default';
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
  const { connection, stats, loading, board, slots, error } = useBoard();
  const slotsHeld = slots.filter((s) => !s.free).length;
  const [triedToken, setTriedToken] = useState(false);
  return (
    <div className="app">
      <header className="top">
        <h1>
          <Link href={withQuery('/', location.query)}>Task Coordinator</Link>
        </h1>
        <nav aria-label="views">
          {VIEWS.map((view) => (
            <Link key={view.path} href={withQuery(view.path, location.query)} aria-current={location.path === view.path ? 'page' : undefined}>
              {view.label}
            </Link>
          ))}
        </nav>
        <ProjectPicker />
        <span className={`connection ${connection}`} role="status" aria-live="polite" data-connection={connection}>
          <span className="dot" aria-hidden="true" /> {CONNECTION_TEXT[connection]}
          {connection === 'offline' && error ? <span className="muted"> ({error})</span> : null}
        </span>
        {stats && (
          <span className="muted total">
            {board.tasks.size.toLocaleString()} tasks{loading ? ' (loading…)' : ''} · {slotsHeld}/{slots.length || stats.slots.total} slots
          </span>
        )}
      </header>
      <main>{connection === 'unauthorized' ? <TokenGate tried={triedToken} onTried={() => setTriedToken(true)} /> : <Route />}</main>
    </div>
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

function ProjectPicker() {
  const location = useLocation();
  const current = location.query.get('project') || 'default';
  const [value, setValue] = useState(current);
  useEffect(() => setValue(current), [current]);
  return (
    <form
      className="project"
      onSubmit={(e) => {
        e.preventDefault();
        const next = new URLSearchParams();
        if (value.trim() && value.trim() !== 'default') next.set('project', value.trim());
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
