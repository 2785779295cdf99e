// One agent in the real Claude Code, over stdio and over /mcp, through the whole workflow: it loads the
// tools with ToolSearch, claims, starts, finishes (and is shown the structured result with its `next`
// guidance), makes a mistake (and reads the domain error, not an SDK validation error), and loses a claim
// that expired while it was away (and reads LEASE_LOST with the remedy). Everything asserted is what the
// scripted model was shown, as recorded by the Messages API stand-in, plus the board itself.
import { expect, it } from 'vitest';
import { fakeClock } from '@task-coordinator/core/testing';
import { call, decide, describeClaude, mcpName, say, selectTools } from '@task-coordinator/test-support/claude-code';
import type { RunningServer } from 'task-coordinator-server';
import { agent, httpEntry, shownJson, stdioEntry } from './claude-helpers.js';
import { server } from './helpers.js';

// Long enough that no heartbeat (every TTL/3 of real time) lands during the test: only the fake clock
// decides when the claim expires.
const TTL = 600_000;
const tc = (tool: string, input: Record<string, unknown> = {}) => call(mcpName('tc', tool), input);

await describeClaude('one agent through the whole workflow', ({ bin }) => {
  it.each(['stdio', 'http'] as const)('over %s', async (transport) => {
    const clock = fakeClock(Date.now());
    const running = await server({ leaseTtlMs: TTL, sweepIntervalMs: 3_600_000 }, { clock: clock.now });
    await running.store.addTask({ id: 'design', description: 'Design the schema', priority: 5 });
    await running.store.addTask({ id: 'build', description: 'Build it', dependencies: ['design'] });
    const me = `${transport}-agent`;

    /** Lets the agent's claim of `taskId` expire (fake clock) and another worker take the task. */
    const loseClaim = async (board: RunningServer, taskId: string) => {
      clock.advance(TTL + 1);
      if (transport === 'stdio') await board.sweep();
      // A live /mcp session's leases are renewed by the server's sweep itself (its GET stream is open,
      // by design): expire them as the sweep does for a client that went quiet.
      else await board.store.expireLeases({});
      expect(await board.store.getTask({ taskId })).toMatchObject({ status: 'available', worker: null, attempts: 1 });
      const stolen = await board.store.claimNextTask({ workerId: 'other-worker' });
      expect(stolen?.task.id).toBe(taskId);
    };

    const harness = await agent(bin, [
      selectTools('tc', 'claim_next_task', 'update_task', 'add_task'),
      tc('claim_next_task'),
      decide((ctx) => tc('update_task', { taskId: shownJson(ctx).task.id, status: 'working' })),
      decide((ctx) => tc('update_task', { taskId: shownJson(ctx).task.id, status: 'done', output: 'schema.sql' })),
      tc('add_task', { id: 'orphan', description: 'depends on nothing that exists', dependencies: ['ghost'] }),
      tc('claim_next_task'),
      decide(async (ctx) => {
        const taskId = shownJson(ctx).task.id as string;
        await loseClaim(running, taskId);
        return tc('update_task', { taskId, status: 'working' });
      }),
      say('I stopped: the task is no longer mine.'),
    ]);
    const entry = transport === 'stdio' ? stdioEntry(running, { workerId: me }) : httpEntry(running, { workerId: me });
    const run = await harness.print('Work on the board.', {
      mcpServers: { tc: entry },
      allowedTools: ['mcp__tc'],
      timeoutMs: 200_000,
    });
    expect(harness.api.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.result?.result).toBe('I stopped: the task is no longer mine.');

    const shown = harness.api.toolResults();
    expect(shown.map((r) => r.tool.replace('mcp__tc__', ''))).toEqual([
      'ToolSearch',
      'claim_next_task',
      'update_task',
      'update_task',
      'add_task',
      'claim_next_task',
      'update_task',
    ]);
    type Shown = (typeof shown)[number];
    const [search, claim, start, done, mistake, claimAgain, lost] = shown as [
      Shown,
      Shown,
      Shown,
      Shown,
      Shown,
      Shown,
      Shown,
    ];

    // ToolSearch loaded the three tools, by name.
    expect(search.text.split('\n')).toEqual([
      '[tool_reference mcp__tc__claim_next_task]',
      '[tool_reference mcp__tc__update_task]',
      '[tool_reference mcp__tc__add_task]',
    ]);

    // The claim, start and finish: structured results, each with guidance for the next step.
    expect(claim.isError).toBe(false);
    const claimed = JSON.parse(claim.text);
    expect(claimed).toMatchObject({ task: { id: 'design', status: 'claimed', worker: me }, resumed: false });
    expect(claimed.next).toContain('update_task taskId=design status=working');
    expect(claimed.next).toContain('LEASE_LOST');
    expect(JSON.parse(start.text)).toMatchObject({ task: { id: 'design', status: 'working', worker: me } });
    expect(JSON.parse(start.text).next).toContain('update_task taskId=design status=done');
    expect(done.isError).toBe(false);
    expect(JSON.parse(done.text)).toEqual({
      task: { id: 'design', status: 'done', worker: me, attempts: 0 },
      unblocked: ['build'],
      next: 'You hold no task now. Take more work with claim_next_task.',
    });

    // The mistake: the domain error's code, message and remedy as text — not an SDK -32602.
    expect(mistake.isError).toBe(true);
    expect(mistake.text).toMatch(/^UNKNOWN_DEPENDENCY: task orphan depends on unknown task\(s\): ghost\n/);
    expect(mistake.text).toContain('Add the missing tasks first');
    expect(mistake.text).not.toMatch(/-32602|Invalid arguments|MCP error/);
    await expect(running.store.getTask({ taskId: 'orphan' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });

    // The claim that expired while the agent "thought": LEASE_LOST with the remedy, and nothing changed.
    expect(JSON.parse(claimAgain.text)).toMatchObject({ task: { id: 'build', status: 'claimed', worker: me } });
    expect(lost.isError).toBe(true);
    expect(lost.text).toMatch(/^LEASE_LOST: cannot start task build: worker [\w-]+ does not hold it/);
    expect(lost.text).toContain('Stop working on it: the task is no longer yours. Take new work with claim_next_task.');
    expect(await running.store.getTask({ taskId: 'build' })).toMatchObject({
      status: 'claimed',
      worker: 'other-worker',
      attempts: 1,
    });
    expect(await running.store.getTask({ taskId: 'design' })).toMatchObject({ status: 'done', output: 'schema.sql' });
  });
});
