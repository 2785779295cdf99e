// Retention under a steady workload: the event table and finished tasks stay bounded while claims keep flowing.
import { describe, expect, it } from 'vitest';
import { fakeClock } from '@task-coordinator/core/testing';
import { startTestServer } from './helpers.js';

describe('retention', () => {
  it('keeps the event log and the finished tasks bounded over a long workload, pruning concurrently with claims', async () => {
    const clock = fakeClock(Date.now());
    const server = await startTestServer(
      // The pruner runs every 5 ms, i.e. constantly alongside the workers.
      { retainEventsMs: 60_000, retainDoneMs: 60_000, retentionIntervalMs: 5 },
      { clock: clock.now },
    );
    const { http } = server;
    const ROUNDS = 40;
    const PER_ROUND = 50;
    const WORKERS = 8;
    let maxEvents = 0;
    let maxTasks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const tasks = Array.from({ length: PER_ROUND }, (_, i) => ({
        id: `r${round}-t${i}`,
        description: `round ${round} task ${i}`,
        ...(i > 0 && i % 10 === 0 ? { dependencies: [`r${round}-t${i - 1}`] } : {}),
      }));
      expect((await http.post('/api/v1/tasks', { tasks })).status).toBe(201);
      let done = 0;
      await Promise.all(
        Array.from({ length: WORKERS }, async (_, w) => {
          for (let step = 0; step < PER_ROUND * 2; step++) {
            const { body } = await http.post('/api/v1/claim-next', { workerId: `w${w}` });
            if (!body.task) {
              if (done === PER_ROUND) return;
              await new Promise((resolve) => setTimeout(resolve, 2));
              continue;
            }
            expect((await http.post(`/api/v1/tasks/${body.task.id}/complete`, { workerId: `w${w}` })).status).toBe(200);
            done++;
          }
        }),
      );
      // Claims kept flowing: every task of the round was claimed and finished.
      expect(done).toBe(PER_ROUND);
      clock.advance(20_000);
      await server.prune();
      const events = await server.store.events({ limit: 1000 });
      const remaining = await server.store.listTasks({ limit: 1000 });
      maxEvents = Math.max(maxEvents, events.length);
      maxTasks = Math.max(maxTasks, remaining.tasks.length);
      // Nothing older than the window is left.
      expect(events.every((e) => e.at >= clock.now() - 60_000)).toBe(true);
    }
    const { lastSeq } = await server.store.stats();
    // About 160 events a round were written; a 60 s window over 20 s rounds keeps three rounds.
    expect(lastSeq).toBeGreaterThan(ROUNDS * PER_ROUND * 3);
    expect(maxEvents).toBeLessThanOrEqual(3 * (3 * PER_ROUND + WORKERS + 1));
    expect(maxTasks).toBeLessThanOrEqual(3 * PER_ROUND);

    const metrics = (await http.get('/metrics')).body as string;
    const value = (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}"=]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('tc_retention_passes_total')).toBeGreaterThanOrEqual(ROUNDS);
    expect(value('tc_retention_pruned_total{kind="events"}')).toBe(
      lastSeq - (await server.store.events({ limit: 1000 })).length,
    );
    expect(value('tc_retention_pruned_total{kind="tasks"}')).toBeGreaterThan((ROUNDS - 3) * PER_ROUND - 1);
    // The pruner keeps running every 5 ms, so the JSON read a moment later has at least as many passes.
    expect((await http.get('/api/v1/stats')).body.server.retention.passes).toBeGreaterThanOrEqual(
      value('tc_retention_passes_total'),
    );
  }, 120_000);

  it('is off for tasks by default; --retain-events and --retain-done take durations or off; --project-slots and --metrics-token parse', async () => {
    const { DEFAULTS, parseConfig } = await import('../src/config.js');
    expect(DEFAULTS.retainDoneMs).toBeNull();
    expect(DEFAULTS.retainEventsMs).toBe(30 * 86_400_000);
    const parsed = parseConfig(['--retain-events', '7d', '--retain-done', '12h'], {});
    expect(parsed).toMatchObject({
      kind: 'serve',
      config: { retainEventsMs: 7 * 86_400_000, retainDoneMs: 12 * 3_600_000 },
    });
    expect(parseConfig(['--retain-events', 'off'], {})).toMatchObject({ config: { retainEventsMs: null } });
    expect(() => parseConfig(['--retain-done', '5s'], {})).toThrow(/at least 1m/);
    expect(() => parseConfig(['--retain-done', 'weekly'], {})).toThrow(/not a duration/);
    expect(parseConfig(['--project-slots', 'alpha=10, beta=2', '--metrics-token', 'm'], {})).toMatchObject({
      config: { projectSlots: { alpha: 10, beta: 2 }, metricsToken: 'm' },
    });
    expect(parseConfig([], { TC_PROJECT_SLOTS: 'ops=3', TC_METRICS_TOKEN: 'x' })).toMatchObject({
      config: { projectSlots: { ops: 3 }, metricsToken: 'x' },
    });
    expect(() => parseConfig(['--project-slots', 'alpha=0'], {})).toThrow(/project=slots/);
    expect(() => parseConfig(['--project-slots', 'alpha'], {})).toThrow(/project=slots/);
  });
});
