// Over real HTTP: the batch reset (one request, one step, skipped ids named) and the audit log
// newest first (order=desc, paged with beforeSeq).
import { describe, expect, it } from 'vitest';
import { ResetTasksResultSchema } from '@task-coordinator/core';
import { startTestServer } from './helpers.js';

describe('POST /api/v1/tasks/reset', () => {
  it('resets the failed tasks asked for in one step and names the ones it skipped', async () => {
    const server = await startTestServer();
    await server.http.post('/api/v1/tasks', {
      tasks: ['f1', 'f2', 'ok'].map((id) => ({ id, description: id, maxAttempts: 1 })),
    });
    for (const id of ['f1', 'f2']) {
      const slot = (await server.http.post('/api/v1/slots', { workerId: `w-${id}` })).body.slot.slot;
      await server.http.post(`/api/v1/tasks/${id}/claim`, { workerId: `w-${id}`, slot });
      await server.http.post(`/api/v1/tasks/${id}/fail`, { workerId: `w-${id}`, error: 'boom' });
    }
    const reply = await server.http.post('/api/v1/tasks/reset', { taskIds: ['f1', 'f2', 'ok', 'nope'] });
    expect(reply.status).toBe(200);
    const body = ResetTasksResultSchema.parse(reply.body);
    expect(body.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
      ['f1', 'available', 0],
      ['f2', 'available', 0],
    ]);
    expect(body.skipped).toEqual([
      { taskId: 'ok', status: 'available' },
      { taskId: 'nope', status: null },
    ]);
    const empty = await server.http.post('/api/v1/tasks/reset', { taskIds: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('GET /events?order=desc answers the newest first and pages on with beforeSeq', async () => {
    const server = await startTestServer();
    await server.http.post('/api/v1/tasks', { tasks: ['a', 'b', 'c', 'd'].map((id) => ({ id, description: id })) });
    const all = (await server.http.get('/api/v1/events?limit=100')).body.events.map((e: { seq: number }) => e.seq);
    const first = await server.http.get('/api/v1/events?order=desc&limit=3');
    expect(first.body.events.map((e: { seq: number }) => e.seq)).toEqual([...all].reverse().slice(0, 3));
    const next = await server.http.get(`/api/v1/events?order=desc&limit=3&beforeSeq=${first.body.nextCursor}`);
    expect(next.body.events.map((e: { seq: number }) => e.seq)).toEqual([...all].reverse().slice(3, 6));
  });
});
