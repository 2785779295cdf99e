// Contention over real HTTP: 64 workers on 2,000 tasks — no double claims, no 5xx, every task done once.
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

describe('64 concurrent HTTP workers', () => {
  it('2,000 tasks: every task claimed and done exactly once, zero 5xx', async () => {
    const { http } = await startTestServer({ slots: 64 });
    const tasks = Array.from({ length: 2000 }, (_, i) => ({ id: `job-${i}`, description: `job ${i}` }));
    for (let i = 0; i < tasks.length; i += 500)
      expect((await http.post('/api/v1/tasks', { tasks: tasks.slice(i, i + 500) })).status).toBe(201);

    const claimedBy = new Map<string, string[]>();
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    await Promise.all(
      Array.from({ length: 64 }, async (_, w) => {
        const workerId = `worker-${w}`;
        for (let guard = 0; guard < 1000; guard++) {
          const claim = await http.post('/api/v1/claim-next', { workerId });
          count(claim.status);
          if (!claim.body.task) return;
          const id = claim.body.task.id as string;
          claimedBy.set(id, [...(claimedBy.get(id) ?? []), workerId]);
          const done = await http.post(`/api/v1/tasks/${id}/complete`, { workerId, output: workerId });
          count(done.status);
          expect(done.body.task?.status, JSON.stringify(done.body)).toBe('done');
        }
      }),
    );
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(claimedBy.size).toBe(2000);
    expect([...claimedBy.values()].every((holders) => holders.length === 1)).toBe(true);
    const stats = (await http.get('/api/v1/stats')).body;
    expect(stats.tasks.done).toBe(2000);
    expect(stats.total).toBe(2000);
  }, 120_000);
});
