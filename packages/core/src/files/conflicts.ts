// Conflicts between patterns someone wants and what other workers hold (pure; see overlap.ts).
import type { BlockedBy, FileConflict, FileHolding, ReservationMode } from '../model.js';
import type { Near } from '../engine/program.js';
import { compilePattern, patternsOverlap, type CompiledPattern } from './overlap.js';

/** Two modes conflict unless both are shared. */
export function modesConflict(a: ReservationMode, b: ReservationMode): boolean {
  return a === 'exclusive' || b === 'exclusive';
}

/**
 * Every (wanted pattern, holding) pair that conflicts, for `worker` wanting `patterns` in `mode`.
 * The worker's own holdings never conflict. In pattern order, then holding order.
 */
export function findConflicts(
  patterns: readonly string[],
  mode: ReservationMode,
  holdings: readonly FileHolding[],
  worker: string | null,
  limit = Number.POSITIVE_INFINITY,
): FileConflict[] {
  const out: FileConflict[] = [];
  const others = holdings.filter((h) => h.worker !== worker && modesConflict(mode, h.mode));
  if (!others.length) return out;
  for (const pattern of patterns) {
    const wanted = compilePattern(pattern);
    for (const h of others) {
      if (!patternsOverlap(wanted, compilePattern(h.pattern))) continue;
      out.push({ pattern, heldPattern: h.pattern, mode: h.mode, worker: h.worker, taskId: h.taskId, since: h.since });
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** The first holding of another worker that a task declaring `files` waits for (files count as exclusive). */
export function blockedByOf(
  files: readonly string[],
  holdings: readonly FileHolding[],
  worker: string | null,
): BlockedBy | null {
  const [first] = findConflicts(files, 'exclusive', holdings, worker, 1);
  return first
    ? {
        pattern: first.pattern,
        heldPattern: first.heldPattern,
        worker: first.worker,
        taskId: first.taskId,
        since: first.since,
      }
    : null;
}

/**
 * Other workers' holdings indexed by static prefix (see CompiledPattern.base), for checking many
 * candidates against them: a candidate is compared only with holdings whose prefix lies on its own
 * prefix's path (or under it, for a glob candidate), which is exact: patterns whose prefixes diverge
 * share no path. Declared files count as exclusive, so every holding blocks.
 */
export class HoldingIndex {
  private readonly root: TrieNode = { here: [], children: new Map() };

  constructor(holdings: readonly FileHolding[]) {
    for (const h of holdings) {
      const compiled = compilePattern(h.pattern);
      let node = this.root;
      for (const segment of compiled.base) {
        let next = node.children.get(segment);
        if (!next) node.children.set(segment, (next = { here: [], children: new Map() }));
        node = next;
      }
      node.here.push({ compiled, worker: h.worker });
    }
  }

  /** Whether any of `files` (exclusive) overlaps a holding. */
  blocks(files: readonly string[]): boolean {
    return this.blocker(files) !== null;
  }

  /** The worker of a holding that one of `files` (exclusive) overlaps; null when none does. */
  blocker(files: readonly string[]): string | null {
    for (const file of files) {
      const wanted = compilePattern(file);
      let node: TrieNode | undefined = this.root;
      for (const segment of wanted.base) {
        const hit = overlapping(node.here, wanted);
        if (hit !== null) return hit;
        node = node.children.get(segment);
        if (!node) break;
      }
      if (node) {
        const hit = wanted.literal ? overlapping(node.here, wanted) : anyBelow(node, wanted);
        if (hit !== null) return hit;
      }
    }
    return null;
  }
}

interface TrieNode {
  here: Array<{ compiled: CompiledPattern; worker: string }>;
  children: Map<string, TrieNode>;
}

function overlapping(here: TrieNode['here'], wanted: CompiledPattern): string | null {
  for (const h of here) if (patternsOverlap(wanted, h.compiled)) return h.worker;
  return null;
}

function anyBelow(node: TrieNode, wanted: CompiledPattern): string | null {
  const hit = overlapping(node.here, wanted);
  if (hit !== null) return hit;
  for (const child of node.children.values()) {
    const below = anyBelow(child, wanted);
    if (below !== null) return below;
  }
  return null;
}

/** The static prefix of a pattern as stored with a reservation: its base segments joined by `/`. */
export function patternBase(pattern: string): string {
  const { prefixes } = compilePattern(pattern);
  return prefixes[prefixes.length - 1] as string;
}

/**
 * The reservations that may overlap `patterns` (see Near): any whose prefix is a prefix of one of
 * theirs, or, for a glob, lies under its prefix. Null (all) when a pattern has no static prefix.
 */
export function nearOf(patterns: readonly string[]): Near | null {
  const prefixes = new Set<string>();
  const under = new Set<string>();
  for (const pattern of patterns) {
    const compiled = compilePattern(pattern);
    if (compiled.base.length === 0) return null;
    for (const prefix of compiled.prefixes) prefixes.add(prefix);
    if (!compiled.literal) under.add(compiled.prefixes[compiled.prefixes.length - 1] as string);
  }
  return { prefixes: [...prefixes], under: [...under] };
}

/** Whether a reservation with prefix `base` is among those `near` asks for (the memory store's test, the SQL stores' spec). */
export function isNear(base: string, near: Near | null): boolean {
  return near === null || near.prefixes.includes(base) || near.under.some((u) => base.startsWith(`${u}/`));
}
