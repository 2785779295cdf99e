// Which tasks the graph shows, and where: a task's neighbourhood or the (filtered) board, laid
// out left to right by dagre. The layout depends only on the nodes and edges, so a status change
// recolours a node without moving anything.
import dagre from '@dagrejs/dagre';
import type { Task } from '@task-coordinator/core';
import type { BoardData } from '../live/apply-event.js';

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 54;
/** Beyond this the picture stops being readable (and dagre takes seconds): narrow it instead. */
export const MAX_GRAPH_NODES = 400;

export interface GraphPick {
  ids: string[];
  /** Tasks that matched before the cap. */
  total: number;
}

/** A task, what it depends on and what depends on it, `depth` steps up and down (no siblings). */
export function neighbourhood(board: BoardData, id: string, depth = 3): GraphPick {
  const seen = new Set<string>(board.tasks.has(id) ? [id] : []);
  const walk = (next: (taskId: string) => Iterable<string>) => {
    let frontier = [id];
    for (let step = 0; step < depth && frontier.length; step++) {
      const found: string[] = [];
      for (const current of frontier) {
        for (const other of next(current)) {
          if (!seen.has(other) && board.tasks.has(other)) {
            seen.add(other);
            found.push(other);
          }
        }
      }
      frontier = found;
    }
  };
  walk((taskId) => board.tasks.get(taskId)?.dependencies ?? []);
  walk((taskId) => board.dependents.get(taskId) ?? []);
  return { ids: [...seen].slice(0, MAX_GRAPH_NODES), total: seen.size };
}

/** The board's tasks that pass `keep`, tasks with edges first (the graph is about dependencies). */
export function boardPick(board: BoardData, keep: (task: Task) => boolean): GraphPick {
  const linked: string[] = [];
  const lone: string[] = [];
  for (const task of board.tasks.values()) {
    if (!keep(task)) continue;
    if (task.dependencies.length || board.dependents.get(task.id)?.size) linked.push(task.id);
    else lone.push(task.id);
  }
  const all = [...linked, ...lone];
  return { ids: all.slice(0, MAX_GRAPH_NODES), total: all.length };
}

export interface Point {
  x: number;
  y: number;
}

export interface Layout {
  positions: Map<string, Point>;
  /** Each edge with the route dagre found around the nodes (its bends, between the ranks). */
  edges: Array<{ from: string; to: string; points: Point[] }>;
}

/** Lays out `ids` left to right; `dependenciesOf` names each task's dependencies (edges to the shown ones). */
export function layout(ids: readonly string[], dependenciesOf: (id: string) => readonly string[]): Layout {
  const shown = new Set(ids);
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 60, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of ids) g.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  const pairs: Array<{ from: string; to: string }> = [];
  for (const id of ids) {
    for (const dependency of dependenciesOf(id)) {
      if (!shown.has(dependency)) continue;
      g.setEdge(dependency, id);
      pairs.push({ from: dependency, to: id });
    }
  }
  dagre.layout(g);
  const positions = new Map<string, Point>();
  for (const id of ids) {
    const node = g.node(id);
    positions.set(id, { x: node.x - NODE_WIDTH / 2, y: node.y - NODE_HEIGHT / 2 });
  }
  const edges = pairs.map(({ from, to }) => ({
    from,
    to,
    points: (g.edge(from, to)?.points ?? []).map(({ x, y }) => ({ x, y })),
  }));
  return { positions, edges };
}

/** A key that changes only when the nodes or edges do. */
export function structureKey(board: BoardData, ids: readonly string[]): string {
  return ids.map((id) => `${id}<${(board.tasks.get(id)?.dependencies ?? []).join(',')}`).join('|');
}
