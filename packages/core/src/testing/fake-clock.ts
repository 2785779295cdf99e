// A clock tests move by hand, and a deterministic id source.
import type { Instant } from '../model.js';

export interface FakeClock {
  now: () => Instant;
  advance: (ms: number) => Instant;
  set: (at: Instant) => void;
}

export function fakeClock(start: Instant = Date.UTC(2026, 0, 1)): FakeClock {
  let at = start;
  return {
    now: () => at,
    advance: (ms) => (at += ms),
    set: (value) => {
      at = value;
    },
  };
}

export function sequentialIds(prefix = 'gen-'): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}
