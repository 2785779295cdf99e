// Holding, releasing and failing the WAL's fsync by hand (wal-sync.ts), and waiting on conditions:
// every step of these tests is a condition, never a wait on the clock.
import { fsync as realFsync } from 'node:fs';
import type { FsyncFn } from '@task-coordinator/store-sqlite';

/** An fsync that waits until the test lets it finish (really syncing then) or fail. */
export function heldFsync() {
  const pending: Array<{ fd: number; callback: (error: NodeJS.ErrnoException | null) => void }> = [];
  const fn: FsyncFn = (fd, callback) => void pending.push({ fd, callback });
  return {
    fn,
    pending,
    release(): void {
      const next = pending.shift();
      if (!next) throw new Error('no fsync is waiting');
      realFsync(next.fd, next.callback);
    },
    fail(code = 'EIO'): void {
      const next = pending.shift();
      if (!next) throw new Error('no fsync is waiting');
      next.callback(Object.assign(new Error(`${code}: i/o error, fsync`), { code }));
    },
  };
}

/** Resolves once `condition` holds, checking after each turn of the event loop (bounded). */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 100_000; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

/** Lets a few turns of the event loop pass (to show something did NOT happen meanwhile). */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

export function tracked<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  const done = promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return { state, done };
}
