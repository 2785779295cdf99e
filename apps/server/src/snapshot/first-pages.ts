// The first page of each v1 list query, cached until a change could alter it.
//
// A page is the first `limit` tasks, in creation order, that match its filters. A changed task
// alters it only when it was on the page, or matches now and comes before the page's last task
// (or the page is not full). Text searches look at the description, which the snapshot does not
// keep, so any change drops them.
import type { TaskPage, TaskStatus } from '@task-coordinator/core';
import type { Entry } from './entry.js';
import { serializeOnce } from './serialized.js';

/** A validated first-page query (no cursor); `key` identifies it among the cached pages. */
export interface PageQuery {
  key: string;
  input: {
    status?: TaskStatus[] | undefined;
    label?: string | undefined;
    worker?: string | undefined;
    text?: string | undefined;
    limit?: number | undefined;
  };
}

interface Cached {
  query: PageQuery;
  page: TaskPage;
  /** When it was read from the store (see ProjectSnapshotOptions.slotsMaxAgeMs). */
  at: number;
  ids: Set<string>;
  /** Creation position of the page's last task; Infinity when the page is not full. */
  lastPos: number;
}

/** Distinct queries cached per project; the oldest goes first. */
const MAX_PAGES = 64;

export class FirstPages {
  private readonly cached = new Map<string, Cached>();

  /** The cached page, unless it was read `maxAgeMs` or longer before `now`. */
  get(query: PageQuery, now: number, maxAgeMs: number): TaskPage | null {
    const cached = this.cached.get(query.key);
    return cached !== undefined && now - cached.at < maxAgeMs ? cached.page : null;
  }

  get size(): number {
    return this.cached.size;
  }

  put(query: PageQuery, page: TaskPage, at: number, entryOf: (id: string) => Entry | undefined): void {
    const last = page.tasks.at(-1);
    let lastPos = Infinity;
    if (page.nextCursor !== null && last) {
      const entry = entryOf(last.id);
      // A task the snapshot has not applied yet: its position is unknown, so the page is not kept.
      if (!entry) return;
      lastPos = entry.pos;
    }
    if (this.cached.size >= MAX_PAGES) this.cached.delete(this.cached.keys().next().value as string);
    this.cached.delete(query.key);
    this.cached.set(query.key, { query, page, at, ids: new Set(page.tasks.map((t) => t.id)), lastPos });
    serializeOnce(page);
  }

  /** A task changed (`after`: its entry now, null when it is gone): drops every page it alters. */
  changed(id: string, after: Entry | null): void {
    if (this.cached.size === 0) return;
    for (const [key, page] of this.cached) {
      if (page.ids.has(id) || page.query.input.text !== undefined) this.cached.delete(key);
      else if (after !== null && after.pos < page.lastPos && matches(page.query, after)) this.cached.delete(key);
    }
  }

  clear(): void {
    this.cached.clear();
  }
}

function matches(query: PageQuery, entry: Entry): boolean {
  const { status, label, worker } = query.input;
  if (status !== undefined && status.length > 0 && !status.includes(entry.status)) return false;
  if (label !== undefined && !entry.labels.includes(label)) return false;
  if (worker !== undefined && entry.worker !== worker) return false;
  return true;
}
