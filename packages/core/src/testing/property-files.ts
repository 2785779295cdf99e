// Property: the overlap checker never says "no conflict" when some path matches both patterns.
//
// Paths and globs are built from a small set of segments, so overlaps are frequent and every
// glob feature the checker models (literals, `?`, `*`, `**`, classes, braces) and the ones it only
// bounds (extglobs, groups, odd braces and classes) meet. The brute force is picomatch itself: each
// generated path (and each pattern read as a path) matched against both patterns.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import picomatch from 'picomatch/posix.js';
import { MATCH_OPTIONS, patternsOverlap } from '../files/overlap.js';
import { normalisePattern, patternProblem } from '../files/patterns.js';
import { isNear, modesConflict, nearOf, patternBase } from '../files/conflicts.js';
import type { CoordinatorOptions } from '../coordinator.js';
import type { Store } from '../store.js';
import { fakeClock, sequentialIds } from './fake-clock.js';

const PATH_SEGMENTS = ['a', 'b', 'ab', 'ba', '.x', 'a.ts', 'b.md', 'x+', '@y', 'z!', 'a b', '{c}', 'aa'];
const GLOB_SEGMENTS = [
  ...PATH_SEGMENTS,
  '*',
  '**',
  '?',
  '??',
  'a*',
  '*a',
  '*.ts',
  '*.*',
  '*b*',
  '[ab]',
  '[!a]',
  '[a-c]*',
  '{a,b}',
  '{ab,*.md}',
  'a{b,c}',
  '{a,}',
  'a**',
  '**b',
  '?(a)',
  '@(a|b)',
  '+(a)',
  '*(b)',
  '{a}',
  '[]]',
  '{a,{b,c}}',
  '{1..3}',
];

const path = fc.array(fc.constantFrom(...PATH_SEGMENTS), { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));
/** Paths without any glob character: concrete files. */
const plainPath = fc
  .array(fc.constantFrom('a', 'b', 'ab', 'ba', '.x', 'a.ts', 'b.md', 'a b', 'aa'), { minLength: 1, maxLength: 5 })
  .map((s) => s.join('/'));
/** A valid pattern, normalised as every stored one is. */
const glob = fc
  .array(fc.constantFrom(...GLOB_SEGMENTS), { minLength: 1, maxLength: 5 })
  .map((s) => s.join('/'))
  .filter((g) => patternProblem(g) === null)
  .map(normalisePattern);

export function describeOverlapProperty(numRuns = 3000): void {
  describe('overlap checker vs brute-force matching', () => {
    it('answers "overlap" whenever some path matches both patterns', () => {
      fc.assert(
        fc.property(glob, glob, fc.array(path, { minLength: 1, maxLength: 30 }), (a, b, paths) => {
          const ma = picomatch(a, MATCH_OPTIONS);
          const mb = picomatch(b, MATCH_OPTIONS);
          for (const p of [...paths, a, b]) {
            if (ma(p) && mb(p)) {
              expect(patternsOverlap(a, b), `${a} and ${b} both match ${p}`).toBe(true);
              expect(patternsOverlap(b, a), `${b} and ${a} both match ${p}`).toBe(true);
            }
          }
        }),
        { numRuns },
      );
    });

    it('the prefix filter of holdings loads (nearOf) keeps every pattern that overlaps', () => {
      fc.assert(
        fc.property(fc.array(glob, { minLength: 1, maxLength: 3 }), glob, (wanted, held) => {
          if (wanted.some((w) => patternsOverlap(w, held)))
            expect(isNear(patternBase(held), nearOf(wanted)), `${held} near ${wanted.join(' ')}`).toBe(true);
        }),
        { numRuns },
      );
    });

    it('a concrete path overlaps a pattern exactly when picomatch matches it', () => {
      fc.assert(
        fc.property(glob, plainPath, (g, p) => {
          expect(patternsOverlap(p, g)).toBe(picomatch(g, MATCH_OPTIONS)(p));
        }),
        { numRuns },
      );
    });
  });
}

export interface ReservationPropertyOptions {
  name: string;
  create: (options: CoordinatorOptions) => Promise<Store> | Store;
  runs?: number;
}

const WORKERS = ['w0', 'w1', 'w2'];

/**
 * Property on a store: random reservations of three workers, sent three at a time (concurrently: a
 * group commit must not grant both sides of a conflict), never leave two workers holding patterns
 * that some generated path matches both (unless both are shared).
 */
export function describeReservationProperty(options: ReservationPropertyOptions): void {
  describe(`reservations never overlap across workers: ${options.name}`, () => {
    it('whatever is granted, no path matches two conflicting holdings', async () => {
      const request = fc.record({
        worker: fc.nat(WORKERS.length - 1),
        patterns: fc.array(glob, { minLength: 1, maxLength: 2 }),
        shared: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(request, { minLength: 1, maxLength: 9 }),
          fc.array(path, { minLength: 1, maxLength: 30 }),
          async (requests, paths) => {
            const store = await options.create({
              clock: fakeClock().now,
              newId: sequentialIds(),
              config: { slots: WORKERS.length, leaseTtlMs: 60_000 },
            });
            try {
              await store.addTasks({ tasks: WORKERS.map((w) => ({ id: `task-${w}`, description: w })) });
              for (const w of WORKERS) {
                const { slot } = await store.claimSlot({ workerId: w });
                await store.claimTask({ taskId: `task-${w}`, workerId: w, slot: slot.slot });
              }
              for (let i = 0; i < requests.length; i += 3) {
                const outcomes = await Promise.allSettled(
                  requests.slice(i, i + 3).map((r) =>
                    store.reserveFiles({
                      taskId: `task-${WORKERS[r.worker]}`,
                      workerId: WORKERS[r.worker] as string,
                      patterns: r.patterns,
                      mode: r.shared ? 'shared' : 'exclusive',
                    }),
                  ),
                );
                for (const o of outcomes)
                  if (o.status === 'rejected') expect((o.reason as { code?: string }).code).toBe('FILES_CONFLICT');
              }
              const { reservations } = await store.listReservations();
              for (const a of reservations) {
                for (const b of reservations) {
                  if (a.worker >= b.worker || !modesConflict(a.mode, b.mode)) continue;
                  const ma = picomatch(a.pattern, MATCH_OPTIONS);
                  const mb = picomatch(b.pattern, MATCH_OPTIONS);
                  for (const p of [...paths, a.pattern, b.pattern])
                    expect(ma(p) && mb(p), `${a.worker}:${a.pattern} and ${b.worker}:${b.pattern} both hold ${p}`).toBe(
                      false,
                    );
                }
              }
            } finally {
              await store.close();
            }
          },
        ),
        { numRuns: options.runs ?? 100 },
      );
    }, 120_000);
  });
}
