// GET /metrics (Prometheus text) and /api/v1/stats: names and values move as tasks move; behind the token.
import { describe, expect, it } from 'vitest';
import { fakeClock } from '@task-coordinator/core/testing';
import { client, eventually, sample, startTestServer } from './helpers.js';

describe('GET /metrics', () => {
  it('tasks by status, queue depth, slots, transition counters and latency histograms follow the board', async () => {
    const clock = fakeClock(Date.now());
    const server = await startTestServer({ leaseTtlMs: 5_000 }, { clock: clock.now });
    const scrape = async () => {
      const res = await server.http.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.body as string;
    };

    const empty = await scrape();
    for (const name of [
      'tc_tasks',
      'tc_queue_depth',
      'tc_slots_in_use',
      'tc_long_polls_waiting',
      'tc_task_events_total',
      'tc_store_errors_total',
      'tc_retention_pruned_total',
      'tc_retention_passes_total',
      'tc_http_request_duration_seconds',
      'tc_claim_duration_seconds',
      'tc_store_transactions_total',
      'tc_store_commands_total',
      'tc_store_reruns_total',
      'tc_store_postponed_total',
    ]) {
      expect(empty).toContain(`# TYPE ${name} `);
    }
    expect(sample(empty, 'tc_long_polls_waiting')).toBe(0);
    const committedBefore = sample(empty, 'tc_store_commands_total');

    await server.http.post('/api/v1/tasks', {
      tasks: [
        { id: 'a', description: 'a' },
        { id: 'b', description: 'b' },
        { id: 'c', description: 'c', dependencies: ['a'] },
      ],
    });
    let text = await scrape();
    expect(sample(text, 'tc_tasks{project="default",status="available"}')).toBe(2);
    expect(sample(text, 'tc_tasks{project="default",status="blocked"}')).toBe(1);
    expect(sample(text, 'tc_queue_depth{project="default"}')).toBe(2);

    await server.http.post('/api/v1/claim-next', { workerId: 'w1' });
    await server.http.post('/api/v1/tasks/a/complete', { workerId: 'w1', output: 'ok' });
    await server.http.post('/api/v1/claim-next', { workerId: 'w2' });
    await server.http.post('/api/v1/tasks/b/fail', { workerId: 'w2', error: 'boom', retry: true });
    text = await scrape();
    expect(sample(text, 'tc_tasks{project="default",status="done"}')).toBe(1);
    expect(sample(text, 'tc_tasks{project="default",status="available"}')).toBe(2);
    expect(sample(text, 'tc_task_events_total{project="default",kind="claims"}')).toBe(2);
    expect(sample(text, 'tc_task_events_total{project="default",kind="completions"}')).toBe(1);
    expect(sample(text, 'tc_task_events_total{project="default",kind="retries"}')).toBe(1);
    expect(sample(text, 'tc_slots_in_use{project="default",state="held"}')).toBe(2);
    expect(sample(text, 'tc_slots_in_use{project="default",state="busy"}')).toBe(0);
    expect(sample(text, 'tc_claim_duration_seconds_count{outcome="claimed"}')).toBe(2);
    expect(
      sample(text, 'tc_http_request_duration_seconds_count{route="claimNextTask",method="POST",status="200"}'),
    ).toBe(2);
    // Group commit at work: the five commands since (an add, two claims, a complete, a fail) were
    // committed, with the reads the server's own listeners run as commands (the throughput sampler).
    const committed = sample(text, 'tc_store_commands_total') ?? 0;
    expect(committed - (committedBefore ?? Infinity)).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'tc_store_transactions_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tc_store_transactions_total')).toBeLessThanOrEqual(committed);
    expect(sample(text, 'tc_store_reruns_total')).toBe(0);

    // A lease that runs out is counted once the sweeper expires it.
    await server.http.post('/api/v1/claim-next', { workerId: 'w3' });
    clock.advance(10_000);
    await server.sweep();
    text = await scrape();
    expect(sample(text, 'tc_task_events_total{project="default",kind="leaseExpiries"}')).toBe(1);

    // A long-poll waiting for work shows while it waits.
    const idle = server.http.post('/api/v1/claim-next', { workerId: 'waiter', project: 'empty', wait: 5 });
    await eventually(async () => sample(await scrape(), 'tc_long_polls_waiting') === 1);
    await server.http.post('/api/v1/tasks', { project: 'empty', tasks: [{ id: 'late', description: 'late' }] });
    expect((await idle).body.task.id).toBe('late');
    text = await scrape();
    expect(sample(text, 'tc_long_polls_waiting')).toBe(0);
    expect(sample(text, 'tc_tasks{project="empty",status="claimed"}')).toBe(1);
  }, 20_000);

  it('/api/v1/stats keeps its fields and adds the same activity figures as JSON', async () => {
    const server = await startTestServer();
    await server.http.post('/api/v1/tasks', { id: 'a', description: 'a' });
    await server.http.post('/api/v1/claim-next', { workerId: 'w' });
    await server.http.post('/api/v1/tasks/a/complete', { workerId: 'w' });
    const { status, body } = await server.http.get('/api/v1/stats');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      project: 'default',
      total: 1,
      tasks: { done: 1 },
      slots: { total: 5, held: 1, busy: 0 },
      activity: { claims: 1, completions: 1, failures: 0, retries: 0, leaseExpiries: 0 },
      server: { longPollsWaiting: 0, storeErrors: 0, retention: { passes: 0, events: 0, tasks: 0 } },
    });
    expect(body.lastSeq).toBeGreaterThan(0);
    expect((await server.http.get('/api/v1/stats?project=other')).body.activity.claims).toBe(0);
  });

  it('needs the API token when one is set, or the metrics token, which opens nothing else', async () => {
    const server = await startTestServer({ token: 'api-secret', metricsToken: 'scrape-only' });
    const anonymous = client(server.apiUrl);
    const scraper = client(server.apiUrl, 'scrape-only');
    expect((await anonymous.get('/metrics')).status).toBe(401);
    expect((await anonymous.get('/metrics')).body.error.code).toBe('UNAUTHORIZED');
    expect((await scraper.get('/metrics')).status).toBe(200);
    expect((await server.http.get('/metrics')).status).toBe(200);
    expect((await scraper.get('/api/v1/tasks')).status).toBe(401);
    expect((await scraper.post('/api/v1/tasks', { id: 'x', description: 'x' })).status).toBe(401);

    const metricsOnly = await startTestServer({ metricsToken: 'scrape-only' });
    expect((await client(metricsOnly.apiUrl).get('/metrics')).status).toBe(401);
    expect((await client(metricsOnly.apiUrl, 'scrape-only').get('/metrics')).status).toBe(200);
    expect((await client(metricsOnly.apiUrl).get('/api/v1/tasks')).status).toBe(200);
    expect((await client(metricsOnly.apiUrl, 'scrape-only').post('/metrics', {})).status).toBe(405);
  });
});
