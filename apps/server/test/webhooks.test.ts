// Webhooks against a loopback receiver: signed deliveries, the default events, filters, backoff through an outage, the delivery log.
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '@task-coordinator/core';
import { ManualTimers } from '../src/webhooks/timers.js';
import { parseWebhookSpec } from '../src/webhooks/webhook-config.js';
import { backoffDelay } from '../src/webhooks/dispatcher.js';
import { eventually, sample, startTestServer, type TestServer } from './helpers.js';
import { startReceiver, verified, type Receiver } from './webhook-support.js';

const SECRET = 'test-webhook-secret-0123456789';
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(mode: 'up' | 'down' | 'hang' = 'up'): Promise<Receiver> {
  const r = await startReceiver(mode);
  receivers.push(r);
  return r;
}

async function serverWith(urls: string[], timers: ManualTimers): Promise<TestServer> {
  const server = await startTestServer(
    { webhooks: urls.map((u) => parseWebhookSpec(u, 'test')), webhookSecret: SECRET, leaseTtlMs: 10_000 },
    { clock: timers.now, webhookTimers: timers },
  );
  await eventually(() => server.webhooks?.isLeader);
  return server;
}

/** `worker` takes a slot and claims task `id`. */
async function claim(store: Store, id: string, worker: string): Promise<void> {
  const { slot } = await store.claimSlot({ workerId: worker });
  await store.claimTask({ taskId: id, workerId: worker, slot: slot.slot });
}

/** A task that fails with no retry left: a `task.failed` delivery. */
async function deadLetter(store: Store, id: string): Promise<void> {
  await store.addTask({ id, description: `task ${id}`, maxAttempts: 1 });
  await claim(store, id, 'dead-letterer');
  await store.failTask({ taskId: id, workerId: 'dead-letterer', error: 'boom' });
}

/** Moves the injected clock in steps, letting the dispatcher finish each round. */
async function advance(server: TestServer, timers: ManualTimers, ms: number, step = 1000): Promise<void> {
  for (let moved = 0; moved < ms; moved += step) {
    timers.advance(Math.min(step, ms - moved));
    await server.webhooks!.idle();
  }
}

describe('webhooks', () => {
  it('backoff doubles from 1 s and stops growing at 5 min', () => {
    expect([1, 2, 3, 4, 5, 6].map(backoffDelay)).toEqual([1000, 2000, 4000, 8000, 16000, 32000]);
    expect(backoffDelay(30)).toBe(300_000);
  });

  it('signs every delivery (HMAC-SHA256 over timestamp and body); a tampered body or an old timestamp fails the check', async () => {
    const timers = new ManualTimers(Date.now());
    const r = await receiver();
    const server = await serverWith([r.url], timers);
    await deadLetter(server.store, 'a');
    await eventually(() => r.received.length === 1);
    const [delivery] = r.received;
    const now = timers.now() / 1000;
    expect(verified(delivery!, SECRET, now)).toBe(true);
    expect(verified(delivery!, 'another-secret-0123456789', now)).toBe(false);
    expect(verified({ ...delivery!, raw: delivery!.raw.replace('boom', 'bam!') }, SECRET, now)).toBe(false);
    // The same bytes replayed 10 minutes later: outside the 5-minute window.
    expect(verified(delivery!, SECRET, now + 600)).toBe(false);
    expect(delivery!.event).toBe('task.failed');
    expect(delivery!.body).toMatchObject({
      id: delivery!.id,
      type: 'task.failed',
      taskId: 'a',
      data: { to: 'failed', error: 'boom' },
      task: { id: 'a', description: 'task a', status: 'failed' },
    });
  });

  it('sends the default events only: a dead-lettered failure or lease expiry is task.failed; a retry or completion is not', async () => {
    const timers = new ManualTimers(Date.now());
    const r = await receiver();
    const server = await serverWith([r.url], timers);
    const { store } = server;
    await store.addTasks({
      tasks: [
        { id: 'ok', description: 'fine' },
        { id: 'retry', description: 'retried', maxAttempts: 3 },
        { id: 'lost', description: 'holder vanishes', maxAttempts: 1 },
      ],
    });
    await claim(store, 'ok', 'w1');
    await store.completeTask({ taskId: 'ok', workerId: 'w1' });
    await claim(store, 'retry', 'w2');
    await store.failTask({ taskId: 'retry', workerId: 'w2', retry: true });
    await claim(store, 'lost', 'w3');
    timers.advance(11_000);
    await server.sweep();
    await eventually(() => r.received.length >= 1);
    await server.webhooks!.idle();
    expect(r.received.map((d) => [d.event, d.body.taskId, d.body.sourceEvent])).toEqual([
      ['task.failed', 'lost', 'task.expired'],
    ]);
  });

  it('a plan finishes once: plan.finished after its last task is done; filters pick events by name and family', async () => {
    const timers = new ManualTimers(Date.now());
    const all = await receiver();
    const completions = await receiver();
    const server = await serverWith([all.url, `${completions.url}#task.completed,plan.*`], timers);
    const loaded = await server.http.post('/api/v1/plans', {
      plan: {
        name: 'release',
        tasks: [
          { id: 'build', description: 'b' },
          { id: 'ship', description: 's', dependencies: ['build'] },
        ],
      },
    });
    expect(loaded.status).toBe(201);
    for (const id of ['build', 'ship']) {
      await claim(server.store, id, 'w');
      await server.store.completeTask({ taskId: id, workerId: 'w' });
    }
    await eventually(() => all.received.length === 1 && completions.received.length === 3);
    expect(all.received[0]!.body).toMatchObject({ type: 'plan.finished', data: { plan: 'build', tasks: 2, done: 2 } });
    expect(completions.received.map((d) => d.event)).toEqual(['task.completed', 'task.completed', 'plan.finished']);
    // One event, two deliveries: distinct ids.
    expect(new Set(completions.received.map((d) => d.id)).size).toBe(3);
  });

  it('plan.finished also when the last task is approved after review, and when a note lands on it before the dispatcher catches up', async () => {
    const timers = new ManualTimers(Date.now());
    const gate = await receiver('down');
    const server = await serverWith([`${gate.url}#task.completed,plan.finished`], timers);
    const loaded = await server.http.post('/api/v1/plans', {
      plan: {
        name: 'gated',
        tasks: [
          { id: 'build', description: 'b' },
          { id: 'ship', description: 's', dependencies: ['build'], review: true },
        ],
      },
    });
    expect(loaded.status).toBe(201);
    // The receiver refuses build's completion, so the dispatcher is still on it while the plan finishes.
    await claim(server.store, 'build', 'w');
    await server.store.completeTask({ taskId: 'build', workerId: 'w' });
    await eventually(() => gate.attempts >= 1);
    await claim(server.store, 'ship', 'w');
    expect((await server.store.completeTask({ taskId: 'ship', workerId: 'w' })).task.status).toBe('review');
    timers.advance(100);
    expect((await server.store.approveTask({ taskId: 'ship', by: 'alice' })).task.status).toBe('done');
    timers.advance(100);
    await server.store.addNote({ taskId: 'ship', text: 'shipped to 10% first', by: 'alice' });
    gate.mode = 'up';
    await advance(server, timers, 10 * 60_000, 5_000);
    await eventually(() => gate.received.length === 2);
    expect(gate.received.map((d) => d.event)).toEqual(['task.completed', 'plan.finished']);
    expect(gate.received[1]!.body).toMatchObject({
      type: 'plan.finished',
      taskId: 'ship',
      data: { tasks: 2, done: 2 },
    });
  });

  it('receiver down for 30 s of the injected clock, then up: every delivery arrives exactly once, in order; claims never wait', async () => {
    const timers = new ManualTimers(Date.now());
    const r = await receiver('down');
    const server = await serverWith([r.url], timers);
    const ids = Array.from({ length: 10 }, (_, i) => `t${i}`);
    for (const id of ids) await deadLetter(server.store, id);
    await eventually(() => r.attempts >= 1);
    // While deliveries fail, the board works as usual.
    await server.store.addTasks({
      tasks: Array.from({ length: 20 }, (_, i) => ({ id: `free${i}`, description: 'x' })),
    });
    for (let i = 0; i < 20; i++) {
      const claim = await server.store.claimNextTask({ workerId: 'busy' });
      await server.store.completeTask({ taskId: claim!.task.id, workerId: 'busy' });
    }
    const downAt = timers.now();
    await advance(server, timers, 30_000);
    expect(r.received).toEqual([]);
    const failedDuringOutage = r.attempts;
    r.mode = 'up';
    const upAt = timers.now();
    let deliveredAt = 0;
    for (let step = 0; step < 600 && r.received.length < ids.length; step++) {
      await advance(server, timers, 1000);
      if (r.received.length === ids.length) deliveredAt = timers.now();
    }
    expect(r.received.map((d) => d.body.taskId)).toEqual(ids);
    expect(new Set(r.received.map((d) => d.id)).size).toBe(ids.length);
    // Nothing more arrives later: exactly once.
    await advance(server, timers, 60_000, 5000);
    expect(r.received.length).toBe(ids.length);

    const view = (await server.http.get('/api/v1/webhooks')).body;
    expect(view.webhooks[0]).toMatchObject({ delivered: ids.length, failures: 0, pending: 0, lastError: null });
    expect(view.webhooks[0].failedAttempts).toBe(failedDuringOutage);
    expect(view.attempts[0]).toMatchObject({ outcome: 'delivered', status: 200 });
    expect(view.attempts.some((a: { outcome: string; error: string }) => a.outcome === 'failed' && a.error)).toBe(true);
    const metrics = (await server.http.get('/metrics')).body as string;
    const id = view.webhooks[0].id as string;
    expect(sample(metrics, `tc_webhook_attempts_total{webhook="${id}",event="task.failed",outcome="delivered"}`)).toBe(
      ids.length,
    );
    expect(sample(metrics, `tc_webhook_retries_total{webhook="${id}"}`)).toBe(failedDuringOutage);
    console.log(
      `webhook outage: ${ids.length} deliveries, ${failedDuringOutage} failed attempts during ${(upAt - downAt) / 1000} s down, ` +
        `last delivery ${(deliveredAt - upAt) / 1000} s after the receiver came back (injected clock)`,
    );
  });

  it('a receiver that never answers does not hold up claims', async () => {
    const timers = new ManualTimers(Date.now());
    const r = await receiver('hang');
    const server = await serverWith([r.url], timers);
    await deadLetter(server.store, 'stuck');
    await eventually(() => r.attempts === 1);
    await server.store.addTasks({ tasks: Array.from({ length: 50 }, (_, i) => ({ id: `n${i}`, description: 'x' })) });
    for (let i = 0; i < 50; i++) {
      const reply = await server.http.post('/api/v1/claim-next', { workerId: 'w' });
      expect(reply.status).toBe(200);
      await server.http.post(`/api/v1/tasks/${reply.body.task.id}/complete`, { workerId: 'w' });
    }
    expect(r.received).toEqual([]);
    expect(r.attempts).toBe(1);
  });
});
