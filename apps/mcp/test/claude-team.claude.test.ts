// Three agents in the real Claude Code at once (three `claude -p` processes, one folder, distinct worker
// ids; one over stdio, two over /mcp) work through a dependency graph: each scripted model loops
// claim_next_task → update_task done until the claim answers that no task is available. Every task ends
// done exactly once, by the worker that held it, and the work was shared.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  call,
  decide,
  describeClaude,
  mcpName,
  say,
  selectTools,
  type Turn,
} from '@task-coordinator/test-support/claude-code';
import { agent, httpEntry, shownJson, stdioEntry } from './claude-helpers.js';
import { eventually, server } from './helpers.js';

// a, b, c are ready at once (one first claim for each agent); the rest wait on them.
const GRAPH: Array<{ id: string; dependencies?: string[] }> = [
  { id: 'a' },
  { id: 'b' },
  { id: 'c' },
  { id: 'd', dependencies: ['a'] },
  { id: 'e', dependencies: ['b', 'c'] },
  { id: 'f', dependencies: ['d', 'e'] },
  { id: 'g', dependencies: ['a'] },
  { id: 'h', dependencies: ['f', 'g'] },
];
const IDS = GRAPH.map((task) => task.id).sort();
const AGENTS = ['agent-1', 'agent-2', 'agent-3'];
const NO_WORK = 'The board has no work for me.';
const tc = (tool: string, input: Record<string, unknown> = {}) => call(mcpName('tc', tool), input);

await describeClaude('three agents at once on a dependency graph', ({ bin }) => {
  it('every task is done exactly once, and by more than one worker', { timeout: 400_000 }, async () => {
    const running = await server();
    await running.store.addTasks({
      tasks: GRAPH.map((task) => ({ ...task, description: `Do ${task.id}` })),
    });
    const folder = mkdtempSync(join(tmpdir(), 'tc-team-'));

    // Each agent's first claim waits until all three hold a task, so that a fast starter cannot take the
    // whole board before the others are up: the condition, not timing, makes the work shared.
    const firstClaims = new Set<string>();
    const loop = (me: string) =>
      decide(async (ctx) => {
        const shown = shownJson(ctx);
        if ('slot' in shown && 'resumed' in shown) {
          // A claim_next_task result.
          if (shown.task === null) return say(NO_WORK);
          if (!firstClaims.has(me)) {
            firstClaims.add(me);
            await eventually(() => firstClaims.size === AGENTS.length, 180_000, 100);
          }
          return tc('update_task', { taskId: shown.task.id, status: 'done', output: `${shown.task.id} by ${me}` });
        }
        if (shown.task?.status === 'done') return tc('claim_next_task');
        throw new Error(`unexpected result: ${JSON.stringify(shown)}`);
      });
    // Bounded: enough turns for one agent to do the whole board alone, then the run ends.
    const script = (me: string): Turn[] => [
      selectTools('tc', 'claim_next_task', 'update_task'),
      tc('claim_next_task'),
      ...Array.from({ length: 2 * GRAPH.length + 2 }, () => loop(me)),
    ];

    try {
      const team = await Promise.all(
        AGENTS.map(async (me, i) => ({ me, stdio: i === 0, harness: await agent(bin, script(me)) })),
      );
      const runs = team.map(({ me, stdio, harness }) => ({
        me,
        harness,
        proc: harness.startPrint('Take work from the board until none is left.', {
          mcpServers: { tc: stdio ? stdioEntry(running, { workerId: me }) : httpEntry(running, { workerId: me }) },
          allowedTools: ['mcp__tc'],
          cwd: folder,
          timeoutMs: 300_000,
        }),
      }));
      const ended = await Promise.all(runs.map(async (run) => ({ ...run, exit: await run.proc.done })));

      for (const { me, harness, exit } of ended) {
        expect(harness.api.errors, me).toEqual([]);
        expect(exit.code, exit.stderr).toBe(0);
        expect(exit.stdout).toContain(NO_WORK);
        // No agent was ever shown an error (no conflict, no LEASE_LOST): every claim it got was its own.
        expect(harness.api.toolResults().filter((r) => r.isError)).toEqual([]);
      }

      // The board: every task done, each by one of the agents.
      const { tasks } = await running.store.listTasks({ limit: 100 });
      expect(tasks.map((task) => task.id).sort()).toEqual(IDS);
      for (const task of tasks) {
        expect(task.status, task.id).toBe('done');
        expect(AGENTS, task.id).toContain(task.worker);
        expect(task.output).toBe(`${task.id} by ${task.worker}`);
      }

      // The event log: exactly one completion per task, from distinct workers.
      const completed = await running.store.events({ type: ['task.completed'], limit: 100 });
      expect(completed.map((event) => event.taskId).sort()).toEqual(IDS);
      const workers = new Set(completed.map((event) => event.workerId));
      expect(workers.size).toBeGreaterThanOrEqual(2);
      expect(workers).toEqual(new Set(AGENTS));

      // What each model was shown agrees with the log: the tasks it saw finished are the ones it completed.
      for (const { me, harness } of ended) {
        const finished = harness.api
          .toolResults()
          .filter((r) => r.tool === mcpName('tc', 'update_task'))
          .map((r) => JSON.parse(r.text))
          .map((shown) => {
            expect(shown.next).toBe('You hold no task now. Take more work with claim_next_task.');
            return shown.task.id as string;
          })
          .sort();
        const logged = completed
          .filter((event) => event.workerId === me)
          .map((event) => event.taskId)
          .sort();
        expect(finished, me).toEqual(logged);
        expect(finished.length, me).toBeGreaterThan(0);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
