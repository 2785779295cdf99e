// Agent-death drill, short version (the full one: npm run drill:agents): stdio MCP agents killed with SIGKILL while holding tasks.
import { describe, expect, it } from 'vitest';
import { runAgentDrill } from '../drills/agents.js';

describe('agent-death drill', () => {
  it('killed stdio agents give their tasks and slots back with the attempt counted; a task that kills every agent is dead-lettered after maxAttempts', async () => {
    const report = await runAgentDrill({ agents: 3, rounds: 2, leaseTtlMs: 2000 });
    expect(report.violations).toEqual([]);
    expect(report.killed).toBe(6);
    expect(report.recovered).toBe(6);
    expect(report.slotsLeaked).toBe(0);
    // Round 2 takes round 1's tasks back first (claim order): each died twice.
    expect(report.attempts).toEqual({ '2': 3 });
    expect(report.poison).toMatchObject({ kills: 3, status: 'failed', attempts: 3 });
    expect(report.poison.reason).toMatch(/lease expired 3 time/);
    expect(report.finishedAfter).toBe(6);
  }, 180_000);
});
