// Webhook deliveries queued when the server is SIGKILLed arrive after it restarts on the same database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawnServer, until, type ServerProcess } from '../drills/support.js';
import { client } from './helpers.js';
import { startReceiver, verified, type Receiver } from './webhook-support.js';

const SECRET = 'restart-webhook-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'tc-webhook-restart-'));
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('webhooks across a crash', () => {
  it('deliveries queued when the server is SIGKILLed arrive after the restart, each once', async () => {
    const receiver: Receiver = await startReceiver('down');
    cleanups.push(() => receiver.close());
    const args = [
      '--db',
      join(dir, 'board.db'),
      '--webhook',
      `${receiver.url}#task.failed`,
      '--webhook-secret',
      SECRET,
    ];
    const first: ServerProcess = await spawnServer(args);
    cleanups.push(() => first.kill());
    const http = client(first.url);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (const id of ids) {
      expect((await http.post('/api/v1/tasks', { id, description: `task ${id}`, maxAttempts: 1 })).status).toBe(201);
      const claimed = await http.post('/api/v1/claim-next', { workerId: 'w' });
      expect(claimed.body.task.id).toBe(id);
      expect((await http.post(`/api/v1/tasks/${id}/fail`, { workerId: 'w', error: 'boom' })).status).toBe(200);
    }
    // The first delivery was tried and refused: deliveries are queued behind it.
    await until('a delivery attempt', () => receiver.attempts >= 1, 20_000);
    await first.kill();
    expect(receiver.received).toEqual([]);

    receiver.mode = 'up';
    const second = await spawnServer(args);
    const listening = Date.now();
    cleanups.push(() => second.stop());
    await until('every delivery', () => receiver.received.length >= ids.length, 30_000);
    const now = Date.now() / 1000;
    console.log(
      `webhook restart: ${ids.length} queued deliveries arrived ${Date.now() - listening} ms after the restarted server listened`,
    );
    expect(receiver.received.map((d) => d.body.taskId)).toEqual(ids);
    expect(receiver.received.every((d) => verified(d, SECRET, now))).toBe(true);
    expect(new Set(receiver.received.map((d) => d.id)).size).toBe(ids.length);
    // The restarted server reports them in its delivery log (it records the last one, and moves its
    // cursor past it, once the receiver's answer is back: after the receiver has the request).
    const view = await until('the delivery log', async () => {
      const body = (await client(second.url).get('/api/v1/webhooks')).body;
      return body.webhooks?.[0]?.delivered === ids.length && body.webhooks[0].pending === 0 ? body : null;
    });
    expect(view).toMatchObject({ leader: true, webhooks: [{ delivered: ids.length, pending: 0 }] });
  }, 120_000);
});
