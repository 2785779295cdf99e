// Every /api/v1 route over real HTTP, with its success and error answers.
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

describe('REST /api/v1', () => {
  it('adds one task (201), re-adds it idempotently (200), and refuses different content (409 TASK_EXISTS)', async () => {
    const { http } = await startTestServer();
    const first = await http.post('/api/v1/tasks', { id: 'a', description: 'do a', labels: ['x'] });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ created: true, task: { id: 'a', status: 'available', labels: ['x'] } });
    const again = await http.post('/api/v1/tasks', { id: 'a', description: 'do a', labels: ['x'] });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    const clash = await http.post('/api/v1/tasks', { id: 'a', description: 'other' });
    expect(clash.status).toBe(409);
    expect(clash.body.error).toMatchObject({ code: 'TASK_EXISTS', details: { taskId: 'a' } });
  });

  it('adds a batch atomically; a bad batch answers 422 and adds nothing', async () => {
    const { http } = await startTestServer();
    const bad = await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'x', description: 'x' },
        { id: 'y', description: 'y', dependencies: ['nope'] },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('UNKNOWN_DEPENDENCY');
    const cycle = await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'p', description: 'p', dependencies: ['q'] },
        { id: 'q', description: 'q', dependencies: ['p'] },
      ],
    });
    expect(cycle.status).toBe(422);
    expect(cycle.body.error.code).toBe('DEPENDENCY_CYCLE');
    expect((await http.get('/api/v1/tasks')).body.tasks).toEqual([]);
    const ok = await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'x', description: 'x' },
        { id: 'y', description: 'y', dependencies: ['x'] },
      ],
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ created: ['x', 'y'], existing: [] });
  });

  it('validation errors are 400 VALIDATION_FAILED naming the field', async () => {
    const { http } = await startTestServer();
    const res = await http.post('/api/v1/tasks', { id: 'bad id', description: '' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const paths = res.body.error.details.issues.map((i: { path: string }) => i.path);
    // A single task's body is validated as sent: its fields are named as the client wrote them.
    expect(paths).toEqual(expect.arrayContaining(['id', 'description']));
    const batch = await http.post('/api/v1/tasks', { tasks: [{ id: 'bad id', description: '' }] });
    expect(batch.status).toBe(400);
    const batchPaths = batch.body.error.details.issues.map((i: { path: string }) => i.path);
    expect(batchPaths).toEqual(expect.arrayContaining(['tasks[0].id', 'tasks[0].description']));
    const notJson = await http.raw('/api/v1/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id": "a",',
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'request body is not valid JSON' });
    const array = await http.post('/api/v1/tasks', [1, 2]);
    expect(array.status).toBe(400);
    expect(array.body.error.message).toContain('JSON object');
  });

  it('lists with filters and cursor pagination; gets one task with dependents; 404 for unknown ids', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'root', description: 'root', labels: ['core'] },
        { id: 'leaf/1', description: 'leaf', dependencies: ['root'] },
        { id: 'leaf/2', description: 'leaf', dependencies: ['root'] },
      ],
    });
    const page1 = await http.get('/api/v1/tasks?limit=2');
    expect(page1.body.tasks.map((t: { id: string }) => t.id)).toEqual(['root', 'leaf/1']);
    const page2 = await http.get(`/api/v1/tasks?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toMatchObject({ tasks: [{ id: 'leaf/2' }], nextCursor: null });
    expect((await http.get('/api/v1/tasks?status=blocked,done')).body.tasks).toHaveLength(2);
    expect((await http.get('/api/v1/tasks?label=core')).body.tasks.map((t: { id: string }) => t.id)).toEqual(['root']);
    const one = await http.get('/api/v1/tasks/root');
    expect(one.body.task).toMatchObject({ id: 'root', dependents: ['leaf/1', 'leaf/2'] });
    expect((await http.get(`/api/v1/tasks/${encodeURIComponent('leaf/1')}`)).body.task.dependencies).toEqual(['root']);
    const missing = await http.get('/api/v1/tasks/ghost');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('TASK_NOT_FOUND');
    const badLimit = await http.get('/api/v1/tasks?limit=abc');
    expect(badLimit.status).toBe(400);
  });

  it('runs a task through claim, start, complete; the dependent becomes available', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'a', description: 'a' },
        { id: 'b', description: 'b', dependencies: ['a'] },
      ],
    });
    const slot = await http.post('/api/v1/slots', { workerId: 'w' });
    expect(slot.status).toBe(201);
    expect(slot.body).toMatchObject({ created: true, slot: { slot: 1, worker: 'w' } });
    expect((await http.post('/api/v1/slots', { workerId: 'w' })).status).toBe(200);
    const claim = await http.post('/api/v1/tasks/a/claim', { workerId: 'w', slot: 1 });
    expect(claim.body).toMatchObject({ slot: 1, resumed: false, task: { status: 'claimed', worker: 'w' } });
    expect((await http.post('/api/v1/tasks/a/start', { workerId: 'w' })).body.task.status).toBe('working');
    const done = await http.post('/api/v1/tasks/a/complete', { workerId: 'w', output: 'ok' });
    expect(done.body).toMatchObject({ task: { status: 'done', output: 'ok' }, unblocked: ['b'] });
    const history = await http.get('/api/v1/tasks/a/history');
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual([
      'task.added',
      'task.claimed',
      'task.started',
      'task.completed',
    ]);
  });

  it('claim errors: 409 NOT_CLAIMABLE, SLOT_NOT_HELD, SLOT_BUSY; holder errors: 409 LEASE_LOST', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'a', description: 'a' },
        { id: 'b', description: 'b', dependencies: ['a'] },
        { id: 'c', description: 'c' },
      ],
    });
    expect((await http.post('/api/v1/tasks/a/claim', { workerId: 'w', slot: 1 })).body.error.code).toBe(
      'SLOT_NOT_HELD',
    );
    await http.post('/api/v1/slots', { workerId: 'w' });
    const blocked = await http.post('/api/v1/tasks/b/claim', { workerId: 'w', slot: 1 });
    expect(blocked.status).toBe(409);
    expect(blocked.body.error).toMatchObject({ code: 'NOT_CLAIMABLE', details: { blockedBy: ['a'] } });
    await http.post('/api/v1/tasks/a/claim', { workerId: 'w', slot: 1 });
    expect((await http.post('/api/v1/tasks/c/claim', { workerId: 'w', slot: 1 })).body.error.code).toBe('SLOT_BUSY');
    const stranger = await http.post('/api/v1/tasks/a/complete', { workerId: 'stranger' });
    expect(stranger.status).toBe(409);
    expect(stranger.body.error.code).toBe('LEASE_LOST');
    const mismatch = await http.post('/api/v1/tasks/a/complete', { workerId: 'w', taskId: 'c' });
    expect(mismatch.status).toBe(400);
  });

  it('fail with retry, release, reset, cancel, edit, heartbeat, slots, stats, clean-all', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'a', description: 'a', maxAttempts: 1 },
        { id: 'b', description: 'b' },
      ],
    });
    await http.post('/api/v1/claim-next', { workerId: 'w' });
    expect(
      (await http.post('/api/v1/tasks/a/fail', { workerId: 'w', error: 'boom', retry: true })).body.task,
    ).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await http.post('/api/v1/tasks/a/reset', {})).body.task).toMatchObject({
      status: 'available',
      attempts: 0,
    });
    expect((await http.post('/api/v1/tasks/a/reset', {})).body.error.code).toBe('INVALID_TRANSITION');
    const edited = await http.patch('/api/v1/tasks/b', { priority: 7 });
    expect(edited.body.task.priority).toBe(7);
    const next = await http.post('/api/v1/claim-next', { workerId: 'w' });
    expect(next.body.task.id).toBe('b');
    const beat = await http.post('/api/v1/heartbeat', { workerId: 'w' });
    expect(beat.body).toMatchObject({ workerId: 'w', slots: [1], tasks: ['b'] });
    expect((await http.post('/api/v1/tasks/b/release', { workerId: 'w' })).body.task.status).toBe('available');
    expect((await http.post('/api/v1/tasks/b/cancel', { reason: 'not needed' })).body.task.status).toBe('cancelled');
    const slots = await http.get('/api/v1/slots');
    expect(slots.body.slots).toHaveLength(5);
    expect(slots.body.slots[0]).toMatchObject({ slot: 1, free: false, worker: 'w' });
    expect((await http.post('/api/v1/slots/1/release', { workerId: 'w' })).body).toEqual({
      slot: 1,
      released: true,
      releasedTask: null,
    });
    expect((await http.post('/api/v1/slots/x/release', {})).status).toBe(400);
    const stats = await http.get('/api/v1/stats');
    expect(stats.body).toMatchObject({ total: 2, tasks: { available: 1, cancelled: 1 }, slots: { total: 5, held: 0 } });
    expect((await http.post('/api/v1/clean-all', {})).body).toEqual({ removed: 2, slotsFreed: 0 });
  });

  it('claim-next without work answers {task:null}; with work, the best task', async () => {
    const { http } = await startTestServer();
    expect((await http.post('/api/v1/claim-next', { workerId: 'w' })).body).toEqual({
      task: null,
      slot: null,
      resumed: false,
    });
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'low', description: 'x' },
        { id: 'high', description: 'x', priority: 3 },
      ],
    });
    expect((await http.post('/api/v1/claim-next', { workerId: 'w' })).body).toMatchObject({
      task: { id: 'high' },
      slot: 1,
    });
    expect((await http.post('/api/v1/claim-next', { workerId: 'w', wait: 61 })).body.error.code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('events: after a seq, with a limit', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'a', description: 'a' },
        { id: 'b', description: 'b' },
      ],
    });
    const all = await http.get('/api/v1/events');
    expect(all.body.events.map((e: { taskId: string }) => e.taskId)).toEqual(['a', 'b']);
    const after = await http.get(`/api/v1/events?afterSeq=${all.body.events[0].seq}`);
    expect(after.body).toMatchObject({ events: [{ taskId: 'b' }], lastSeq: all.body.events[1].seq });
  });

  it('unknown routes are 404 NOT_FOUND, wrong methods 405 with Allow', async () => {
    const { http } = await startTestServer();
    const missing = await http.get('/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    const wrong = await http.get('/api/v1/claim-next');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(wrong.body.error.code).toBe('METHOD_NOT_ALLOWED');
    const legacyWrong = await http.get('/api/claim-task');
    expect(legacyWrong.status).toBe(405);
    expect(legacyWrong.body).toMatchObject({ success: false, code: 'METHOD_NOT_ALLOWED' });
  });
});
