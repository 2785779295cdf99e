// Throughput for the dashboard's chart: the last hour a minute at a time, from the event feed.
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

describe('GET /api/v1/stats/throughput', () => {
  it('counts completions, failures and additions in the current minute, with the queue depth, per project', async () => {
    const server = await startTestServer();
    await server.http.post('/api/v1/tasks', {
      tasks: [1, 2, 3, 4].map((n) => ({ id: `t${n}`, description: `task ${n}`, maxAttempts: 1 })),
    });
    await server.http.post('/api/v1/tasks?project=other', { id: 'elsewhere', description: 'another project' });
    for (const outcome of ['complete', 'complete', 'fail'] as const) {
      const claim = await server.http.post('/api/v1/claim-next', { workerId: 'w' });
      await server.http.post(`/api/v1/tasks/${claim.body.task.id}/${outcome}`, { workerId: 'w' });
    }
    const res = await server.http.get('/api/v1/stats/throughput');
    expect(res.status).toBe(200);
    expect(res.body.project).toBe('default');
    expect(res.body.minutes).toHaveLength(60);
    const minutes = res.body.minutes as Array<{
      at: number;
      completed: number;
      failed: number;
      added: number;
      queueDepth: number | null;
    }>;
    expect(minutes.map((m) => m.at)).toEqual([...minutes.map((m) => m.at)].sort((a, b) => a - b));
    expect(minutes.at(-1)!.at).toBeLessThanOrEqual(Date.now());
    const totals = minutes.reduce(
      (sum, m) => ({
        completed: sum.completed + m.completed,
        failed: sum.failed + m.failed,
        added: sum.added + m.added,
      }),
      { completed: 0, failed: 0, added: 0 },
    );
    expect(totals).toEqual({ completed: 2, failed: 1, added: 4 });
    expect(minutes.at(-1)!.queueDepth).toBe(1);
    const other = await server.http.get('/api/v1/stats/throughput?project=other');
    expect(other.body.minutes.reduce((n: number, m: { added: number }) => n + m.added, 0)).toBe(1);
  });

  it('answers for a project with no events: no activity, the current queue depth on the last point', async () => {
    const server = await startTestServer();
    const res = await server.http.get('/api/v1/stats/throughput?project=quiet');
    expect(res.status).toBe(200);
    expect(res.body.minutes).toHaveLength(60);
    expect(
      res.body.minutes.every((m: { completed: number; added: number }) => m.completed === 0 && m.added === 0),
    ).toBe(true);
    expect(res.body.minutes.at(-1).queueDepth).toBe(0);
    expect(res.body.minutes.at(0).queueDepth).toBeNull();
  });

  it('refuses a bad project with a code', async () => {
    const server = await startTestServer();
    const res = await server.http.get('/api/v1/stats/throughput?project=' + encodeURIComponent('bad project!'));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});
