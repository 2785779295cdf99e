// An edge drawn along the route dagre laid out: from the source's handle through the bends dagre
// placed between the ranks (where no node is) to the target's handle, so an edge that skips ranks
// goes around the nodes in between instead of through them.
import { BaseEdge, type Edge, type EdgeProps } from '@xyflow/react';
import type { Point } from './graph-layout.js';

export type RoutedEdgeData = { points: Point[] };
export type RoutedEdgeType = Edge<RoutedEdgeData, 'routed'>;

/** An SVG path through `points`, its corners rounded by quadratic curves between midpoints. */
export function routedPath(points: readonly Point[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  if (rest.length === 0) return `M${first.x},${first.y}`;
  let d = `M${first.x},${first.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const corner = rest[i]!;
    const next = rest[i + 1]!;
    d += ` Q${corner.x},${corner.y} ${(corner.x + next.x) / 2},${(corner.y + next.y) / 2}`;
  }
  const last = rest[rest.length - 1]!;
  return `${d} L${last.x},${last.y}`;
}

export function RoutedEdge({
  sourceX,
  sourceY,
  targetX,
  targetY,
  data,
  markerEnd,
  style,
  id,
}: EdgeProps<RoutedEdgeType>) {
  // dagre's first and last points sit on the node borders; the handles replace them.
  const bends = (data?.points ?? []).slice(1, -1);
  const path = routedPath([{ x: sourceX, y: sourceY }, ...bends, { x: targetX, y: targetY }]);
  return (
    <BaseEdge id={id} path={path} {...(markerEnd !== undefined ? { markerEnd } : {})} {...(style ? { style } : {})} />
  );
}

export const EDGE_TYPES = { routed: RoutedEdge };
