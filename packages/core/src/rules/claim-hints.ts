// What the last claim-next of a project passed over, to plan the next one's reads and skip what is
// still blocked (never to hand out a task unchecked).
//
// Tasks whose files are held pile up at the head of the ready queue: every claim-next passes over
// the same ones. For each, the hint keeps the worker that held a file it declares and that
// worker's holdings version (the store's `holdingsVersions` load) read before the holdings that
// showed the conflict, with the version of "declared files changed" (FILES_KEY). A worker's version
// goes up whenever what it holds may shrink or change hands, and FILES_KEY's whenever a task's
// declared files change (Change.bumpHoldings). So while both versions are unchanged, that holding
// is still there and still blocks the task for anyone but its worker: the next claim-next leaves
// such tasks out of its reads (`nextAvailable` with `skip`) instead of checking them again. Any
// candidate it does hand out is still checked against the holdings read in its own transaction,
// so a stale hint (another replica, a released file) costs an order slip at most, never a conflict;
// and since the versions live in the store, another server process's release moves them too.
// Tasks passed over before their worker's version was read are checked again once (the read plan).

import { FILES_KEY } from '../engine/program.js';

const MAX_KEYS = 256;

/** A task claim-next passed over: who held a file it declares, and the versions read before (null: not read). */
export interface PassedOver {
  worker: string;
  version: number | null;
  files: number | null;
}

/** What one project's (and labels') last claim-next passed over. */
export interface Hint {
  passed: Map<string, PassedOver>;
  /** The holdings versions that decide which are still blocked: FILES_KEY and the workers named. */
  keys: readonly string[];
  /** Versions (of `keys`) at which every task of `passed` was known blocked; null when some are not stamped. */
  at: ReadonlyMap<string, number> | null;
  /** The tasks blocked for `worker` (all of `passed` held by others), as the last call left them out. */
  skip: { worker: string; ids: string[] } | null;
}

export class ClaimHints {
  private readonly hints = new Map<string, Hint>();

  /** The tasks the last claim-next over this project and labels passed over (null: none). */
  passedOver(project: string, labels: readonly string[] | null): Hint | null {
    return this.hints.get(keyOf(project, labels)) ?? null;
  }

  /**
   * `versions`: read at the start of the call (null: none); `skip`: the ids it left out for
   * `worker`; `reused`: `passed` is the map the hint handed over, with its keys, all stamped at
   * `versions`, plus `reused.added` (so only those are looked at).
   */
  remember(
    project: string,
    labels: readonly string[] | null,
    passed: Map<string, PassedOver>,
    versions: ReadonlyMap<string, number> | null,
    skip: { worker: string; ids: string[] } | null,
    reused: { keys: readonly string[]; added: readonly PassedOver[] } | null = null,
  ): void {
    const key = keyOf(project, labels);
    if (!passed.size) {
      this.hints.delete(key);
      return;
    }
    if (this.hints.size >= MAX_KEYS && !this.hints.has(key)) this.hints.clear();
    const keys = new Set<string>(reused ? reused.keys : [FILES_KEY]);
    let stamped = versions !== null;
    for (const p of reused ? reused.added : passed.values()) {
      keys.add(p.worker);
      stamped &&= p.version !== null;
    }
    this.hints.set(key, { passed, keys: [...keys], at: stamped ? versions : null, skip });
  }
}

/**
 * The tasks of the hint whose holding is known to be still there (see the file comment): its
 * worker's version, and FILES_KEY's, are what they were when the task was passed over; and of
 * those, the ones blocked for `worker` (`skip`: all but its own). When no version moved since the
 * hint was stamped, its own map and list are handed over, and the hint marked unstamped until the
 * caller remembers anew (a call that fails halfway, or another running meanwhile, checks them all).
 */
export function stillHeld(
  hint: Hint,
  versions: ReadonlyMap<string, number>,
  worker: string,
): { held: Map<string, PassedOver>; skip: string[] } {
  const at = hint.at;
  if (at !== null && hint.keys.every((k) => at.get(k) === versions.get(k))) {
    const mine = hint.skip?.worker === worker ? hint.skip.ids : null;
    hint.at = null;
    hint.skip = null;
    if (mine) return { held: hint.passed, skip: mine };
    const skip: string[] = [];
    for (const [id, p] of hint.passed) if (p.worker !== worker) skip.push(id);
    return { held: hint.passed, skip };
  }
  const files = versions.get(FILES_KEY);
  const held = new Map<string, PassedOver>();
  const skip: string[] = [];
  for (const [id, p] of hint.passed) {
    if (p.files !== files || p.version === null || p.version !== versions.get(p.worker)) continue;
    held.set(id, p);
    if (p.worker !== worker) skip.push(id);
  }
  return { held, skip };
}

const keyOf = (project: string, labels: readonly string[] | null): string =>
  labels === null ? project : `${project}\u0000${labels.join('\u0000')}`;
