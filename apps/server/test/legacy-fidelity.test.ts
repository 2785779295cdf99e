// What an original client relies on, sent in the original tool shapes: done/failed give the slot back,
// numbers may come as text, output survives failure and reset, and the dashboard port's own API.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { client, startTestServer } from './helpers.js';

const dist = mkdtempSync(join(tmpdir(), 'tc-legacy-dist-'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Task Coordinator</title>');
afterAll(() => rmSync(dist, { recursive: true, force: true }));

/** The original MCP client's tools, as the bodies it sends. */
function originalTools(http: ReturnType<typeof client>) {
  return {
    claimWorkerSlot: async () => (await http.raw('/api/claim-worker-slot', { method: 'POST' })).body,
    claimTask: async (taskId: string, workerId: string, workerSlot: unknown) =>
      (await http.post('/api/claim-task', { taskId, workerId, workerSlot })).body,
    updateTask: async (body: Record<string, unknown>) => (await http.post('/api/update-task', body)).body,
    releaseWorkerSlot: async (slot: unknown) => (await http.post('/api/release-worker-slot', { slot })).body,
    addTask: async (body: Record<string, unknown>) => (await http.post('/api/add-task', body)).body,
    resetFailedTask: async (taskId: string) => (await http.post('/api/reset-failed-task', { taskId })).body,
    allTasks: async () => (await http.get('/api/all-tasks')).body.tasks as Array<Record<string, unknown>>,
    workers: async () => (await http.get('/api/workers')).body.workers as Array<Record<string, unknown>>,
  };
}

describe('original-client fidelity', () => {
  it('an agent that takes a slot per task never runs out: done and failed give the slot back', async () => {
    const { http } = await startTestServer({ slots: 5 });
    const tools = originalTools(http);
    for (let i = 1; i <= 12; i++) await tools.addTask({ id: `t${i}`, description: `task ${i}`, dependencies: [] });
    for (let i = 1; i <= 12; i++) {
      const slot = await tools.claimWorkerSlot();
      expect(slot).toMatchObject({ success: true });
      expect(await tools.claimTask(`t${i}`, 'agent', slot.slot)).toEqual({ success: true });
      expect(await tools.updateTask({ taskId: `t${i}`, status: 'working', workerId: 'agent' })).toEqual({
        success: true,
      });
      const status = i % 3 === 0 ? 'failed' : 'done';
      expect(await tools.updateTask({ taskId: `t${i}`, status, workerId: 'agent', output: `out ${i}` })).toEqual({
        success: true,
      });
      expect((await tools.workers()).filter((w) => w.active)).toEqual([]);
    }
    const tasks = await tools.allTasks();
    expect(tasks.filter((t) => t.status === 'done')).toHaveLength(8);
    expect(tasks.filter((t) => t.status === 'failed')).toHaveLength(4);
  });

  it('update-task failed keeps the output; reset-failed-task keeps it too', async () => {
    const { http } = await startTestServer();
    const tools = originalTools(http);
    await tools.addTask({ id: 'build', description: 'build it' });
    const { slot } = await tools.claimWorkerSlot();
    await tools.claimTask('build', 'agent', slot);
    await tools.updateTask({
      taskId: 'build',
      status: 'failed',
      workerId: 'agent',
      output: 'compiled 3 of 4 modules',
      error: 'module 4 fails',
    });
    expect((await tools.allTasks())[0]).toMatchObject({
      status: 'failed',
      output: 'compiled 3 of 4 modules',
      error: 'module 4 fails',
    });
    expect(await tools.resetFailedTask('build')).toEqual({ success: true });
    const [reset] = await tools.allTasks();
    expect(reset).toMatchObject({ status: 'available', output: 'compiled 3 of 4 modules' });
    expect(reset).not.toHaveProperty('error');
  });

  it('slot numbers sent as text ("1") are accepted; other text is refused with a clear error', async () => {
    const { http } = await startTestServer({ slots: 2 });
    const tools = originalTools(http);
    await tools.addTask({ id: 'a', description: 'a' });
    const { slot } = await tools.claimWorkerSlot();
    expect(await tools.claimTask('a', 'agent', String(slot))).toEqual({ success: true });
    expect((await tools.allTasks())[0]).toMatchObject({ status: 'claimed', worker: 'agent' });
    expect(await tools.releaseWorkerSlot(` ${slot} `)).toEqual({ success: true });
    expect((await tools.workers()).filter((w) => w.active)).toEqual([]);
    // As in the original, freeing a slot does not take the task from its worker (its lease still runs).
    expect((await tools.allTasks())[0]).toMatchObject({ status: 'claimed', worker: 'agent' });
    expect(await tools.updateTask({ taskId: 'a', status: 'done', workerId: 'agent' })).toEqual({ success: true });
    await tools.addTask({ id: 'b', description: 'b' });

    await tools.claimWorkerSlot();
    const bad = await http.post('/api/claim-task', { taskId: 'b', workerId: 'agent', workerSlot: 'one' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    expect(bad.body.error).toMatch(/slot/);
    const negative = await http.post('/api/release-worker-slot', { slot: '-1' });
    expect(negative.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
  });

  it("an original client's loop (done, then release-worker-slot) never takes the task of a worker who took that slot in between", async () => {
    const { http } = await startTestServer({ slots: 1 });
    const tools = originalTools(http);
    await tools.addTask({ id: 'a', description: 'a' });
    await tools.addTask({ id: 'b', description: 'b' });
    const first = await tools.claimWorkerSlot();
    expect(await tools.claimTask('a', 'agent-1', first.slot)).toEqual({ success: true });
    expect(await tools.updateTask({ taskId: 'a', status: 'done', workerId: 'agent-1' })).toEqual({ success: true });
    // done gave the slot back; agent-2 takes it and claims b before agent-1's release arrives.
    const second = await tools.claimWorkerSlot();
    expect(second.slot).toBe(first.slot);
    expect(await tools.claimTask('b', 'agent-2', second.slot)).toEqual({ success: true });
    expect(await tools.releaseWorkerSlot(first.slot)).toEqual({ success: true });
    expect((await tools.allTasks())[1]).toMatchObject({ id: 'b', status: 'claimed', worker: 'agent-2' });
    expect(await tools.updateTask({ taskId: 'b', status: 'done', workerId: 'agent-2' })).toEqual({ success: true });
  });

  it('the dashboard port answers the original dashboard API: bare arrays, and POST /api/tasks adds', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: dist, slots: 2 });
    const dashboard = client(server.dashboardUrl as string);
    const added = await dashboard.post('/api/tasks', { id: 'setup', description: 'Setup', dependencies: [] });
    expect(added.body).toEqual({ success: true });
    await dashboard.post('/api/tasks', { id: 'build', description: 'Build', dependencies: ['setup'] });
    const tasks = await dashboard.get('/api/tasks');
    expect(tasks.status).toBe(200);
    expect(tasks.body).toEqual([
      { id: 'setup', description: 'Setup', status: 'available', dependencies: [] },
      { id: 'build', description: 'Build', status: 'blocked', dependencies: ['setup'] },
    ]);
    await server.http.raw('/api/claim-worker-slot', { method: 'POST' });
    expect((await dashboard.get('/api/workers')).body).toEqual([
      { slot: 1, active: true, leaseExpiresAt: expect.any(Number) },
      { slot: 2, active: false },
    ]);
    // The API port keeps the original API port's answers.
    expect((await server.http.get('/api/workers')).body).toMatchObject({ success: true, workers: [{ slot: 1 }, {}] });
    expect((await server.http.get('/api/tasks')).status).toBe(404);
    // Bad input: an error with its code, nothing added.
    const bad = await dashboard.post('/api/tasks', { id: 'x', description: 'x', dependencies: ['ghost'] });
    expect(bad.status).toBe(422); // the v1 status of the code (the original answered 400, or accepted it)
    expect(bad.body).toMatchObject({ success: false, code: 'UNKNOWN_DEPENDENCY' });
    expect(typeof bad.body.error).toBe('string');
    expect((await dashboard.get('/api/tasks')).body).toHaveLength(2);
  });

  it('with a token, the dashboard port API needs it', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: dist, token: 'secret' });
    const anonymous = client(server.dashboardUrl as string);
    expect((await anonymous.get('/api/tasks')).status).toBe(401);
    expect((await anonymous.get('/api/workers')).status).toBe(401);
    expect((await client(server.dashboardUrl as string, 'secret').get('/api/tasks')).body).toEqual([]);
  });
});
