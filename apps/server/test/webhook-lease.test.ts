// The dispatch lease changing hands and coming back: two dispatchers (two replicas) on one store,
// each on timers of its own, moved together by hand with the store's clock, which leases are read on.
// A dispatcher that regains the lease starts from the stored cursor, not from where it stopped:
// nothing the other delivered meanwhile is sent twice.
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '@task-coordinator/store-sqlite';
import { DeliveryLog } from '../src/webhooks/delivery-log.js';
import { LEASE_TTL_MS, WebhookDispatcher } from '../src/webhooks/dispatcher.js';
import { ManualTimers } from '../src/webhooks/timers.js';
import { parseWebhookSpec } from '../src/webhooks/webhook-config.js';
import { eventually, tempDb } from './helpers.js';
import { startReceiver, type Receiver } from './webhook-support.js';

const SECRET = 'test-webhook-secret-0123456789';
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

describe('the dispatch lease handed over and back', () => {
  it('the returning dispatcher sends only what the other did not', async () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const store: SqliteStore = await openSqliteStore({ file: tempDb(), clock: () => now });
    open.push(store);
    const receiver: Receiver = await startReceiver('up');
    open.push(receiver);
    const spec = parseWebhookSpec(`${receiver.url}#task.added`, 'test');
    const dispatcher = (owner: string, timers: ManualTimers) => {
      const d = new WebhookDispatcher({
        store,
        webhooks: [spec],
        secret: SECRET,
        log: () => undefined,
        deliveries: new DeliveryLog(null),
        timers,
        owner,
      });
      open.push(d);
      return d;
    };
    const timersA = new ManualTimers(now);
    const timersB = new ManualTimers(now);
    /** Moves the store's clock and both dispatchers' timers: each renews (or learns it lost) the lease. */
    const move = async (ms: number) => {
      now += ms;
      timersA.advance(ms);
      timersB.advance(ms);
      await Promise.all([a.idle(), b.idle()]);
    };
    /** The lease taken from its holder by hand, as a replica that found its holder gone does. */
    const handOver = (from: string, to: string) =>
      store.takeDispatchLease({ owner: to, ttlMs: LEASE_TTL_MS, replacing: from });
    const added = () => receiver.received.map((r) => r.body.taskId as string);

    const a = dispatcher('replica-a', timersA);
    a.start();
    await eventually(() => a.isLeader);
    const b = dispatcher('replica-b', timersB);
    b.start();
    await store.addTask({ id: 't1', description: 'x' });
    await eventually(() => added().length === 1);

    // B takes the lease: at their next renewal A stops delivering and B starts.
    await handOver('replica-a', 'replica-b');
    await move(LEASE_TTL_MS / 3 + 1);
    await eventually(() => b.isLeader && !a.isLeader);
    await store.addTasks({
      tasks: [
        { id: 't2', description: 'x' },
        { id: 't3', description: 'x' },
      ],
    });
    await eventually(() => added().length === 3);

    // And A takes it back. Its own cursor still stands at t1; the stored one at t3.
    await handOver('replica-b', 'replica-a');
    await move(LEASE_TTL_MS / 3 + 1);
    await eventually(() => a.isLeader && !b.isLeader);
    await store.addTask({ id: 't4', description: 'x' });
    await eventually(() => added().includes('t4'));
    await a.idle();
    expect(added()).toEqual(['t1', 't2', 't3', 't4']);
  });
});
