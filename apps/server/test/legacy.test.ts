// The original endpoints, exercised the way the original client and its scripts call them.
import { fakeClock } from '@task-coordinator/core/testing';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

describe('original endpoints', () => {
  it('the original workflow: add, claim-worker-slot (no body), claim-task, update-task, all-tasks, workers', async () => {
    const { http } = await startTestServer({ slots: 3 });
    expect(
      (await http.post('/api/add-task', { id: 'setup', description: 'Setup environment', dependencies: [] })).body,
    ).toEqual({ success: true });
    expect(
      (await http.post('/api/add-task', { id: 'build', description: 'Build project', dependencies: ['setup'] })).body,
    ).toEqual({ success: true });
    const slot = await http.raw('/api/claim-worker-slot', { method: 'POST' });
    expect(slot.body).toEqual({ success: true, slot: 1 });
    expect((await http.get('/api/available-tasks')).body).toEqual({
      success: true,
      tasks: [{ id: 'setup', description: 'Setup environment', status: 'available', dependencies: [] }],
    });
    expect((await http.post('/api/claim-task', { taskId: 'setup', workerId: 'worker-1', workerSlot: 1 })).body).toEqual(
      { success: true },
    );
    expect(
      (await http.post('/api/update-task', { taskId: 'setup', status: 'working', workerId: 'worker-1' })).body,
    ).toEqual({ success: true });
    expect(
      (
        await http.post('/api/update-task', {
          taskId: 'setup',
          status: 'done',
          workerId: 'worker-1',
          output: 'Environment ready',
        })
      ).body,
    ).toEqual({
      success: true,
    });
    const all = await http.get('/api/all-tasks');
    expect(all.body.success).toBe(true);
    expect(all.body.tasks[0]).toMatchObject({
      id: 'setup',
      status: 'done',
      output: 'Environment ready',
      worker: 'worker-1',
    });
    expect(all.body.tasks[0].completedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(all.body.tasks[1]).toMatchObject({ id: 'build', status: 'available', dependencies: ['setup'] });
    const workers = await http.get('/api/workers');
    expect(workers.body.success).toBe(true);
    expect(
      workers.body.workers.map((w: { slot: number; active: boolean; workerId?: string }) => [
        w.slot,
        w.active,
        w.workerId,
      ]),
    ).toEqual([
      // done gave the slot back, as the original did
      [1, false, undefined],
      [2, false, undefined],
      [3, false, undefined],
    ]);
    // Slot 1 was given back by done and its release-worker-slot has not come: the next slot is 2 (see below).
    const next = (await http.raw('/api/claim-worker-slot', { method: 'POST' })).body.slot as number;
    expect(next).toBe(2);
    expect((await http.get('/api/workers')).body.workers[1].active).toBe(true);
    expect((await http.post('/api/release-worker-slot', { slot: next })).body).toEqual({ success: true });
    expect((await http.get('/api/workers')).body.workers[1].active).toBe(false);
  });

  it("a slot given back by update-task goes to another client only when no other is free: its owner's release that follows frees nothing of theirs", async () => {
    const { http } = await startTestServer({ slots: 3 });
    for (const id of ['t1', 't2', 't3']) await http.post('/api/add-task', { id, description: id });
    const claimSlot = async () => (await http.raw('/api/claim-worker-slot', { method: 'POST' })).body.slot as number;
    // A's cycle: slot 1, t1, done (which gives slot 1 back); its release-worker-slot comes after.
    expect(await claimSlot()).toBe(1);
    expect((await http.post('/api/claim-task', { taskId: 't1', workerId: 'a', workerSlot: 1 })).body.success).toBe(
      true,
    );
    expect((await http.post('/api/update-task', { taskId: 't1', status: 'done', workerId: 'a' })).body.success).toBe(
      true,
    );
    // B takes a slot between A's done and A's release: not slot 1, which A's release would free.
    const b = await claimSlot();
    expect(b).toBe(2);
    expect((await http.post('/api/release-worker-slot', { slot: 1 })).body).toEqual({ success: true });
    expect((await http.post('/api/claim-task', { taskId: 't2', workerId: 'b', workerSlot: b })).body).toEqual({
      success: true,
    });
    // Released, slot 1 is the lowest free slot again.
    expect(await claimSlot()).toBe(1);
    // With every other slot taken, a slot whose release is on the way is handed out (never NO_FREE_SLOT).
    expect((await http.post('/api/claim-task', { taskId: 't3', workerId: 'c', workerSlot: 1 })).body.success).toBe(
      true,
    );
    expect((await http.post('/api/update-task', { taskId: 't3', status: 'done', workerId: 'c' })).body.success).toBe(
      true,
    );
    expect(await claimSlot()).toBe(3);
    expect(await claimSlot()).toBe(1);
    const workers = (await http.get('/api/workers')).body.workers as Array<{ slot: number; active: boolean }>;
    expect(workers.map((w) => [w.slot, w.active])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
  });

  it('failed tasks reset; clean-all-tasks empties the board', async () => {
    const { http } = await startTestServer();
    await http.post('/api/add-task', { id: 't', description: 't' });
    const { body } = await http.raw('/api/claim-worker-slot', { method: 'POST' });
    await http.post('/api/claim-task', { taskId: 't', workerId: 'w', workerSlot: body.slot });
    await http.post('/api/update-task', { taskId: 't', status: 'failed', workerId: 'w', error: 'compile error' });
    expect((await http.get('/api/all-tasks')).body.tasks[0]).toMatchObject({
      status: 'failed',
      error: 'compile error',
    });
    expect((await http.post('/api/reset-failed-task', { taskId: 't' })).body).toEqual({ success: true });
    expect((await http.get('/api/all-tasks')).body.tasks[0].status).toBe('available');
    expect((await http.raw('/api/clean-all-tasks', { method: 'POST' })).body).toEqual({ success: true });
    expect((await http.get('/api/all-tasks')).body).toEqual({ success: true, tasks: [] });
  });

  it('rejections answer {success:false, error:"<message>", code} with the v1 status, never a 500', async () => {
    const { http } = await startTestServer({ slots: 1 });
    await http.post('/api/add-task', { id: 'real', description: 'exists' });
    const noSlot = await http.post('/api/claim-task', { taskId: 'real', workerId: 'w', workerSlot: 1 });
    expect(noSlot.status).toBe(409);
    expect(noSlot.body).toMatchObject({ success: false, code: 'SLOT_NOT_HELD' });
    expect(typeof noSlot.body.error).toBe('string');
    await http.raw('/api/claim-worker-slot', { method: 'POST' });
    const full = await http.raw('/api/claim-worker-slot', { method: 'POST' });
    expect(full.status).toBe(409);
    expect(full.body).toMatchObject({ success: false, code: 'NO_FREE_SLOT' });
    const unknown = await http.post('/api/claim-task', { taskId: 'ghost', workerId: 'w', workerSlot: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('TASK_NOT_FOUND');
    const nullId = await http.post('/api/add-task', { id: null, description: 'x' });
    expect(nullId.status).toBe(400);
    expect(nullId.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    const badDeps = await http.post('/api/add-task', { id: 'x', description: 'x', dependencies: 'not-a-list' });
    expect(badDeps.status).toBe(400);
    expect((await http.get('/api/all-tasks')).body.tasks.map((t: { id: string }) => t.id)).toEqual(['real']);
    const badStatus = await http.post('/api/update-task', { taskId: 'x', status: 'finished', workerId: 'w' });
    expect(badStatus.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    const resetOk = await http.post('/api/reset-failed-task', { taskId: 'ghost' });
    expect(resetOk.body).toMatchObject({ success: false, code: 'TASK_NOT_FOUND' });
    const notJson = await http.raw('/api/add-task', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
  });

  it('the direct path and Express answer alike: headers, other request shapes, 405 and 404', async () => {
    const { http } = await startTestServer();
    // A plain request (answered on node:http) and the same with a query string (answered by Express).
    const plain = await http.post('/api/add-task', { id: 'a', description: 'a' });
    const viaExpress = await http.post('/api/add-task?from=script', { id: 'b', description: 'b' });
    for (const reply of [plain, viaExpress]) {
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ success: true });
      expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const lists = [await http.get('/api/available-tasks'), await http.get('/api/available-tasks/')];
    for (const list of lists) {
      expect(list.status).toBe(200);
      expect(list.body.tasks.map((t: { id: string }) => t.id)).toEqual(['a', 'b']);
      expect(list.headers.get('cache-control')).toBe('no-store');
    }
    // A body that is not declared as JSON is not read, as before (the fields are missing, not the text's).
    const textBody = await http.raw('/api/add-task', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ id: 'c', description: 'c' }),
    });
    expect(textBody.status).toBe(400);
    expect(textBody.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    // A JSON body that is not an object is refused by the routes that read one, not by the others.
    const notObject = await http.raw('/api/claim-task', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '"a"',
    });
    expect(notObject.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    const slot = await http.raw('/api/claim-worker-slot', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '"ignored"',
    });
    expect(slot.body).toMatchObject({ success: true, slot: 1 });
    const wrongMethod = await http.get('/api/claim-task');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(wrongMethod.body).toMatchObject({ success: false, code: 'METHOD_NOT_ALLOWED' });
    const missing = await http.post('/api/no-such-endpoint', {});
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });

  it('legacy claims get the long legacy lease, so a client that never heartbeats keeps its task', async () => {
    const clock = fakeClock(Date.now());
    const server = await startTestServer(
      { leaseTtlMs: 1000, legacyLeaseTtlMs: 3_600_000, sweepIntervalMs: 3_600_000 },
      { clock: clock.now },
    );
    const { http } = server;
    await http.post('/api/add-task', { id: 'long', description: 'takes a while' });
    const { body } = await http.raw('/api/claim-worker-slot', { method: 'POST' });
    await http.post('/api/claim-task', { taskId: 'long', workerId: 'old-client', workerSlot: body.slot });
    const task = (await http.get('/api/v1/tasks/long')).body.task;
    expect(task.leaseExpiresAt).toBe(clock.now() + 3_600_000);
    // Far past the v1 lease, well within the legacy one.
    clock.advance(1_200_000);
    await server.sweep();
    expect((await http.get('/api/v1/tasks/long')).body.task).toMatchObject({ status: 'claimed', worker: 'old-client' });
    expect(
      (await http.post('/api/update-task', { taskId: 'long', status: 'done', workerId: 'old-client' })).body,
    ).toEqual({ success: true });
  });
});
