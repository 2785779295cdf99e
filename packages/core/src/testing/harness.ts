// Shared plumbing of the contract suite: opening stores under a fake clock, asserting error codes.
import { afterEach, expect } from 'vitest';
import type { CoordinatorConfig } from '../config.js';
import type { CoordinatorOptions } from '../coordinator.js';
import { DomainError, type ErrorCode } from '../errors.js';
import type { Store } from '../store.js';
import { allPages } from '../paging.js';
import { fakeClock, sequentialIds, type FakeClock } from './fake-clock.js';

export interface StoreContractOptions {
  /** Shown in test names, e.g. "sqlite". */
  name: string;
  /** A fresh, empty store using the given clock, ids and config. */
  create: (options: CoordinatorOptions) => Promise<Store> | Store;
}

export interface Opened {
  store: Store;
  clock: FakeClock;
}

export interface Harness {
  name: string;
  /** `options`: extra coordinator options (e.g. an actor) on top of the fake clock and ids. */
  open: (config?: Partial<CoordinatorConfig>, options?: Pick<CoordinatorOptions, 'actor'>) => Promise<Opened>;
}

export const TTL = 10_000;

export function makeHarness(options: StoreContractOptions): Harness {
  const open: Store[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });
  return {
    name: options.name,
    open: async (config = {}, extra = {}) => {
      const clock = fakeClock();
      const store = await options.create({
        ...extra,
        clock: clock.now,
        newId: sequentialIds(),
        config: { slots: 5, leaseTtlMs: TTL, ...config },
      });
      open.push(store);
      return { store, clock };
    },
  };
}

/** Awaits `promise`, expecting a DomainError with `code`; returns it for further checks. */
export async function rejects(promise: Promise<unknown>, code: ErrorCode): Promise<DomainError> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code, (error as DomainError).message).toBe(code);
    return error as DomainError;
  }
  throw new Error(`expected ${code}, but the call succeeded with ${JSON.stringify(outcome)}`);
}

/** The whole observable state, to prove a rejected command changed nothing. */
export async function snapshot(store: Store, project = 'default'): Promise<unknown> {
  const tasks = await allPages((after) => store.listTasks({ project, limit: 1000, ...after }));
  const events = await store.events({ limit: 1000 });
  return {
    tasks,
    slots: await store.listSlots({ project }),
    reservations: (await store.listReservations({ project })).reservations,
    events: events.length,
    lastSeq: events.at(-1)?.seq ?? 0,
  };
}

/** A worker holding a slot, with a shorthand to claim the next task. */
export async function worker(store: Store, workerId: string, project?: string) {
  const { slot } = await store.claimSlot({ workerId, ...(project ? { project } : {}) });
  return { workerId, slot: slot.slot };
}
