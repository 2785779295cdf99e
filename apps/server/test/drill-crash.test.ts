// Crash drill, short version (the full one: npm run drill:crash): SIGKILL under 64-worker load, restart on the same database.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runCrashDrill, type CrashReport } from '../drills/crash.js';
import { dropSchema } from '../drills/support.js';

const url = process.env.TC_TEST_DATABASE_URL ?? '';

function expectSurvived(report: CrashReport, kills: number): void {
  expect(report.kills).toBe(kills);
  expect(report.lost, 'acknowledged completions not done after a restart').toEqual([]);
  expect(report.heldTwice, 'tasks held by two slots').toEqual([]);
  expect(report.holderMismatch, 'held tasks whose slot says otherwise').toEqual([]);
  expect(report.completedTwice, 'tasks completed twice').toEqual([]);
  expect(report.integrity).toEqual([]);
  expect(report.restartsSurvived).toBe(kills);
  expect(report.serverErrors).toBe(0);
  expect(report.finalByStatus).toEqual({ done: report.tasks });
  expect(report.acknowledged).toBeGreaterThan(0);
}

describe('crash drill', () => {
  it('SQLite: 3 SIGKILLs under 64 HTTP workers; acknowledged work survives, nothing held twice, integrity ok, every task done exactly once', async () => {
    expectSurvived(await runCrashDrill({ store: { kind: 'sqlite' }, kills: 3, maxRunMs: 1000 }), 3);
  }, 180_000);

  it.skipIf(!url)(
    'PostgreSQL: 2 SIGKILLs under 64 HTTP workers, same guarantees',
    async () => {
      const schema = `tc_crash_${randomBytes(4).toString('hex')}`;
      try {
        expectSurvived(await runCrashDrill({ store: { kind: 'postgres', url, schema }, kills: 2, maxRunMs: 1000 }), 2);
      } finally {
        await dropSchema(url, schema);
      }
    },
    180_000,
  );
});
