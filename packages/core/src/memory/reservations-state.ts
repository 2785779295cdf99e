// The memory store's reservations of one project: by task, then pattern; answers as the SQL stores do.
import type { FileHolding, Reservation } from '../model.js';
import type { Near } from '../engine/program.js';
import { compareReservations, declaredHoldings } from '../rules/reservations.js';
import { isNear, patternBase } from '../files/conflicts.js';
import type { Row } from './ready-index.js';

export class MemoryReservations {
  /** task id → its reservations by pattern. */
  private readonly byTask = new Map<string, Map<string, Reservation>>();
  /**
   * Every reservation as a holding in answer order, with its prefix, and the positions by prefix:
   * built on the first `holdings` load after a change, so claims in between read it as it is.
   */
  private sorted: Array<{ base: string; holding: FileHolding }> | null = null;
  private byBase = new Map<string, number[]>();

  put(r: Reservation): void {
    this.sorted = null;
    let byPattern = this.byTask.get(r.taskId);
    if (!byPattern) this.byTask.set(r.taskId, (byPattern = new Map()));
    byPattern.set(r.pattern, { ...r });
  }

  remove(taskId: string, patterns: readonly string[] | null): void {
    this.sorted = null;
    const byPattern = this.byTask.get(taskId);
    if (!byPattern) return;
    if (patterns === null) byPattern.clear();
    else for (const pattern of patterns) byPattern.delete(pattern);
    if (byPattern.size === 0) this.byTask.delete(taskId);
  }

  clear(): void {
    this.sorted = null;
    this.byTask.clear();
  }

  ofTasks(taskIds: readonly string[]): Reservation[] {
    return taskIds.flatMap((id) =>
      [...(this.byTask.get(id)?.values() ?? [])].sort(compareReservations).map((r) => ({ ...r })),
    );
  }

  list(worker: string | null, taskId: string | null): Reservation[] {
    const out: Reservation[] = [];
    for (const [id, byPattern] of this.byTask) {
      if (taskId !== null && id !== taskId) continue;
      for (const r of byPattern.values()) if (worker === null || r.worker === worker) out.push({ ...r });
    }
    return out.sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : compareReservations(a, b)));
  }

  /**
   * Reservations near `near` (all when null) by task id, creation, pattern; then the declared files
   * of `held` tasks in creation order: the order every store answers a `holdings` load in.
   */
  holdings(near: Near | null, held: Row[]): FileHolding[] {
    const sorted = this.index();
    let picked: Array<{ base: string; holding: FileHolding }>;
    if (near === null) picked = sorted;
    else {
      // Prefixes by key; `under` (globs only) by a pass over the prefixes held.
      const at: number[] = [];
      for (const prefix of new Set(near.prefixes)) {
        const found = this.byBase.get(prefix);
        if (found) for (const i of found) at.push(i);
      }
      if (near.under.length) {
        const under: Near = { prefixes: [], under: near.under };
        const prefixes = new Set(near.prefixes);
        for (const [base, found] of this.byBase) if (!prefixes.has(base) && isNear(base, under)) at.push(...found);
      }
      picked = at.sort((a, b) => a - b).map((i) => sorted[i] as { base: string; holding: FileHolding });
    }
    const out = picked.map(({ holding }) => ({ ...holding }));
    for (const row of held.sort((a, b) => a.ord - b.ord)) for (const h of declaredHoldings(row.task)) out.push(h);
    return out;
  }

  /** The reservations in answer order (task id, creation, pattern), rebuilt after a change. */
  private index(): Array<{ base: string; holding: FileHolding }> {
    if (this.sorted) return this.sorted;
    const sorted: Array<{ base: string; holding: FileHolding }> = [];
    const tasks = [...this.byTask.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [, byPattern] of tasks) {
      for (const r of [...byPattern.values()].sort(compareReservations)) {
        sorted.push({
          base: patternBase(r.pattern),
          holding: {
            pattern: r.pattern,
            mode: r.mode,
            worker: r.worker,
            taskId: r.taskId,
            since: r.createdAt,
            kind: 'reservation',
          },
        });
      }
    }
    this.byBase = new Map();
    sorted.forEach(({ base }, i) => {
      const found = this.byBase.get(base);
      if (found) found.push(i);
      else this.byBase.set(base, [i]);
    });
    this.sorted = sorted;
    return sorted;
  }
}
