// The board's figures: counts, this process's activity, the last hour's throughput.
import { z } from 'zod';
import { BoardStatsSchema, StatsQuerySchema, ThroughputSchema } from '@task-coordinator/core';
import { defineRoute, type Route } from './define.js';

/** /stats: the board's counts plus this process's activity, for the dashboard's charts. */
export const StatsResponseSchema = BoardStatsSchema.extend({
  activity: z.object({
    claims: z.number().int(),
    completions: z.number().int(),
    failures: z.number().int(),
    retries: z.number().int(),
    leaseExpiries: z.number().int(),
    since: z.number().int().describe('When this server process started counting (epoch ms)'),
  }),
  server: z.object({
    longPollsWaiting: z.number().int(),
    storeErrors: z.number().int(),
    retention: z.object({ passes: z.number().int(), events: z.number().int(), tasks: z.number().int() }),
  }),
});

export const STATS_ROUTES: readonly Route[] = [
  defineRoute({
    method: 'get',
    path: '/stats',
    operationId: 'stats',
    summary:
      'Tasks by status, slots in use, the last event seq; claims, completions, failures and lease expiries since the server started (the figures of /metrics)',
    tag: 'events',
    from: 'query',
    request: StatsQuerySchema,
    response: StatsResponseSchema,
    run: async ({ store, metrics }, input) => {
      const stats = await store.stats(input);
      return { ...stats, activity: metrics.activityOf(stats.project), server: metrics.serverFigures() };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/stats/throughput',
    operationId: 'throughput',
    summary: 'The last hour a minute at a time: tasks completed, failed and added, and the queue depth',
    tag: 'events',
    from: 'query',
    request: StatsQuerySchema,
    response: ThroughputSchema,
    run: ({ throughput }, { project }) => throughput.read(project),
  }),
];
