// The dependency graph, live: the board (filtered) or one task's neighbourhood (?task=id).
// Nodes are coloured by status (and name it); a click opens the task. Edges follow dagre's routes
// around the nodes; the minimap shows every node in its status colour.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Background, Controls, MarkerType, MiniMap, Position, ReactFlow, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { dependencyMet, isActive, type TaskStatus } from '@task-coordinator/core';
import { useBoardData } from '../live/use-board.js';
import { matches, readFilter } from '../ui/filters.js';
import { Link, navigate, useLocation, withQuery } from '../ui/router.js';
import {
  MAX_GRAPH_NODES,
  NODE_HEIGHT,
  NODE_WIDTH,
  boardPick,
  layout,
  neighbourhood,
  structureKey,
} from './graph-layout.js';
import { EDGE_TYPES, type RoutedEdgeType } from './routed-edge.js';

export const STATUS_COLOURS: Record<TaskStatus, string> = {
  blocked: '#8a8f98',
  available: '#2f7de1',
  // The same as styles.css's light scheme (claimed amber, working magenta: told apart by deuteranopes too).
  claimed: '#9a6700',
  working: '#c2367f',
  // waiting (orange, apart from working's magenta since main moved working) and review (teal): humans.css.
  waiting: '#c04a00',
  review: '#00838f',
  done: '#2e9e5b',
  failed: '#d13b3b',
  cancelled: '#6b5fa8',
};

export function GraphView() {
  const board = useBoardData();
  const location = useLocation();
  const focus = location.query.get('task');
  const filter = useMemo(() => readFilter(location.query), [location.query]);

  const pick = useMemo(
    () =>
      focus
        ? neighbourhood(board, focus)
        : boardPick(
            board,
            (t) => (!filter.statuses.length || filter.statuses.includes(t.status)) && matches(t, filter),
          ),
    [board, focus, filter],
  );
  // Laid out again only when nodes or edges change, and at most every 2 s (400 nodes take dagre
  // ~180 ms here, and a filtered board changes its set with every claim); statuses recolour live.
  const key = structureKey(board, pick.ids);
  const dependenciesOf = (id: string) => board.tasks.get(id)?.dependencies ?? [];
  const [laidOut, setLaidOut] = useState(() => ({ key, ids: pick.ids, shape: layout(pick.ids, dependenciesOf) }));
  const lastLayout = useRef(0);
  const tasks = board.tasks;
  useEffect(() => {
    if (key === laidOut.key) return;
    const ids = pick.ids;
    const timer = setTimeout(
      () => {
        lastLayout.current = Date.now();
        setLaidOut({ key, ids, shape: layout(ids, (id) => tasks.get(id)?.dependencies ?? []) });
      },
      Math.max(0, lastLayout.current + 2000 - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [key, laidOut.key, pick.ids, tasks]);
  const shape = laidOut.shape;

  const nodes: Node[] = useMemo(
    () =>
      laidOut.ids
        .filter((id) => board.tasks.has(id))
        .map((id) => {
          const task = board.tasks.get(id);
          const status = task?.status ?? 'blocked';
          return {
            id,
            position: shape.positions.get(id) ?? { x: 0, y: 0 },
            // Given, not measured: the minimap and fitView know every node's size from the start.
            width: NODE_WIDTH,
            height: NODE_HEIGHT,
            data: {
              label: `${id}\n${status}${task?.worker && isActive(status) ? ` · ${task.worker}` : ''}`,
            },
            className: `graph-node status-${status}${id === focus ? ' focus' : ''}`,
            style: {
              width: NODE_WIDTH,
              height: NODE_HEIGHT,
              borderColor: STATUS_COLOURS[status],
              background: `${STATUS_COLOURS[status]}22`,
            },
            ariaLabel: `${id}, ${status}`,
            connectable: false,
            draggable: false,
            sourcePosition: Position.Right,
            targetPosition: Position.Left,
          };
        }),
    [board, laidOut, shape, focus],
  );
  const edges: RoutedEdgeType[] = useMemo(
    () =>
      shape.edges
        .filter(({ from, to }) => board.tasks.has(from) && board.tasks.has(to))
        .map(({ from, to, points }) => ({
          id: `${from}->${to}`,
          type: 'routed' as const,
          source: from,
          target: to,
          data: { points },
          markerEnd: { type: MarkerType.ArrowClosed },
          animated: !dependencyMet(board.tasks.get(from)?.status) && board.tasks.get(to)?.status === 'blocked',
        })),
    [board, shape],
  );

  return (
    <section className="graph-view" aria-label="dependency graph">
      <header className="graph-head">
        <h2>{focus ? <>Neighbourhood of {focus}</> : 'Dependency graph'}</h2>
        {focus && <Link href={withQuery('/graph', location.query)}>Whole board</Link>}
        {pick.total > pick.ids.length && (
          <p className="hint" role="status">
            Showing {MAX_GRAPH_NODES} of {pick.total} tasks — filter the board or open a task&apos;s neighbourhood to
            see the rest.
          </p>
        )}
        <ul className="legend" aria-label="status colours">
          {Object.entries(STATUS_COLOURS).map(([status, colour]) => (
            <li key={status}>
              <span className="swatch" style={{ background: colour }} /> {status}
            </li>
          ))}
        </ul>
      </header>
      {laidOut.ids.length === 0 && pick.ids.length === 0 ? (
        <p className="muted">No tasks to draw.</p>
      ) : (
        <div
          className="graph-canvas"
          // Keyboard: Tab reaches the nodes (React Flow makes them focusable); Enter opens the task.
          onKeyDown={(event) => {
            const id = (event.target as HTMLElement).closest?.('.react-flow__node')?.getAttribute('data-id');
            if (event.key === 'Enter' && id) navigate(withQuery(`/tasks/${encodeURIComponent(id)}`, location.query));
          }}
        >
          <ReactFlow
            nodes={nodes}
            edges={edges}
            edgeTypes={EDGE_TYPES}
            fitView
            fitViewOptions={{ maxZoom: 1.2 }}
            minZoom={0.05}
            nodesDraggable={false}
            nodesConnectable={false}
            onNodeClick={(_, node) => navigate(withQuery(`/tasks/${encodeURIComponent(node.id)}`, location.query))}
          >
            <Background />
            <Controls />
            <MiniMap
              pannable
              zoomable
              nodeColor={(n) => STATUS_COLOURS[(board.tasks.get(n.id)?.status ?? 'blocked') as TaskStatus]}
              nodeStrokeColor={(n) => STATUS_COLOURS[(board.tasks.get(n.id)?.status ?? 'blocked') as TaskStatus]}
              ariaLabel="minimap of the graph"
            />
          </ReactFlow>
        </div>
      )}
    </section>
  );
}
