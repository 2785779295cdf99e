// claim-next around held files: the first available task in claim order whose declared files no
// other worker holds (rules/claim.ts claims it).
import type { Task } from '../model.js';
import { ask, FILES_KEY, type Ask } from '../engine/program.js';
import { HoldingIndex, nearOf } from '../files/conflicts.js';
import { stillHeld, type ClaimHints, type PassedOver } from './claim-hints.js';

/**
 * Most available tasks claim-next passes over because their files are held, in one call; past
 * that it answers "nothing available" (documented in docs/reservations.md).
 */
export const MAX_FILE_SKIPS = 1_000;

/** Candidates read at a time when the first available task's files are held. */
const PAGE = 64;

/** Candidates read one by one past the tasks known to be blocked, before reading pages instead. */
const DIRECT_TRIES = 4;

type Stamp = (worker: string) => PassedOver;

/**
 * The first available task in claim order whose declared files no other worker holds. What others
 * hold is read only when a candidate declares files, and only near the candidates checked.
 *
 * Without a hint (claim-hints.ts): the first available task; when its files are held, candidates
 * are read a page at a time in claim order and checked against the holdings near them (compiled
 * patterns are cached), stopping at the first free one, which is loaded again (locked, on
 * PostgreSQL) before it is claimed.
 * With a hint: the holdings versions of the workers it names are read first; the tasks still
 * blocked are left out (`nextAvailable` with `skip`) and the next candidates checked one at a time;
 * when a few in a row are held too, or nothing was left out, pages as above, the hint planning the
 * reads (the holdings near the tasks passed over last time and the next candidate only).
 */
export function* nextFree(
  project: string,
  worker: string,
  labels: readonly string[] | null,
  hints: ClaimHints | undefined,
): Ask<Task | null> {
  const hint = hints?.passedOver(project, labels) ?? null;
  let versions: Map<string, number> | null = null;
  if (hint) {
    const stored = yield* ask({ kind: 'holdingsVersions', project, workers: hint.keys });
    versions = new Map(hint.keys.map((k) => [k, stored.get(k) ?? 0]));
  }
  const known = versions;
  // Versions read before the holdings that show a conflict (null: not read this time).
  const stamp: Stamp = (holder) => ({
    worker: holder,
    version: known?.get(holder) ?? null,
    files: known?.get(FILES_KEY) ?? null,
  });
  // Tasks still blocked (kept in the hint for every worker; left out for all but their holder).
  const { held: passed, skip } =
    hint && known ? stillHeld(hint, known, worker) : { held: new Map<string, PassedOver>(), skip: [] as string[] };
  let left: string[] | null = skip;
  // The hint's own map, stamped at these versions: only what this call adds need be looked at.
  const added: PassedOver[] = [];
  let reused = hint !== null && passed === hint.passed;
  const done = (found: Task | null): Task | null => {
    if (found) passed.delete(found.id);
    const from = reused && hint ? { keys: hint.keys, added } : null;
    hints?.remember(project, labels, passed, known, left && { worker, ids: left }, from);
    return found;
  };

  if (!hint || skip.length) {
    const tries = skip.length ? DIRECT_TRIES : 1;
    for (let i = 0; i < tries; i++) {
      if (skip.length >= MAX_FILE_SKIPS) break; // some may be gone: the pages below count for real
      const next = yield* ask({ kind: 'nextAvailable', project, labels, ...(skip.length ? { skip } : {}) });
      if (!next?.files.length) return done(next);
      const holder = (yield* blocking(project, worker, next.files)).blocker(next.files);
      if (holder === null) return done(next);
      const stamped = stamp(holder);
      passed.set(next.id, stamped);
      added.push(stamped);
      skip.push(next.id);
    }
  }
  // Pages from the head of the queue: every task passed over is checked again (and stamped anew).
  const plan = hint ? new Set([...hint.passed.keys(), ...passed.keys()]) : new Set<string>();
  passed.clear();
  left = null;
  reused = false;
  return done(yield* scan(project, worker, labels, plan, passed, stamp));
}

/** Pages of candidates from the head of the queue; `passed` collects those passed over. */
function* scan(
  project: string,
  worker: string,
  labels: readonly string[] | null,
  hinted: ReadonlySet<string>,
  passed: Map<string, PassedOver>,
  stamp: Stamp,
): Ask<Task | null> {
  // With a hint, the first page is sized to the tasks passed over last time and a few more.
  let limit = hinted.size ? Math.min(PAGE, hinted.size + 4) : PAGE;
  for (let offset = 0; offset < MAX_FILE_SKIPS; offset += limit, limit = PAGE) {
    const page = yield* ask({ kind: 'availablePage', project, labels, offset, limit });
    for (let i = 0; i < page.length;) {
      // A run of hinted candidates and the one after it, or (no hint here) the rest of the page.
      let end = i;
      while (end < page.length && hinted.has((page[end] as (typeof page)[number]).id)) end++;
      const chunk = page.slice(i, end > i ? end + 1 : page.length);
      i += chunk.length;
      const index = yield* blocking(
        project,
        worker,
        chunk.flatMap((t) => t.files),
      );
      for (const candidate of chunk) {
        const holder = candidate.files.length ? index.blocker(candidate.files) : null;
        if (holder !== null) {
          passed.set(candidate.id, stamp(holder));
          continue;
        }
        const [fresh] = yield* ask({ kind: 'tasks', project, ids: [candidate.id] });
        if (fresh?.status === 'available' && fresh.files.join('\n') === candidate.files.join('\n')) return fresh;
      }
    }
    if (page.length < limit) return null;
  }
  return null;
}

/** Other workers' holdings that may overlap `files`, indexed. */
function* blocking(project: string, worker: string, files: readonly string[]): Ask<HoldingIndex> {
  if (!files.length) return new HoldingIndex([]);
  const holdings = yield* ask({ kind: 'holdings', project, near: nearOf(files) });
  return new HoldingIndex(holdings.filter((h) => h.worker !== worker));
}
