// An agent whose Claude Code process is SIGKILLed mid-task: nothing gives the work back, and the task is
// available again within one lease TTL of the agent's last sign of life (fake clock, server sweep).
import { afterEach, expect, it } from 'vitest';
import { fakeClock } from '@task-coordinator/core/testing';
import { call, decide, describeClaude, mcpName, say, selectTools } from '@task-coordinator/test-support/claude-code';
import { agent, httpEntry, shownJson, stdioEntry } from './claude-helpers.js';
import { eventually, server } from './helpers.js';

const TTL = 10_000;
const holds: Array<() => void> = [];
afterEach(() => holds.splice(0).forEach((release) => release()));

await describeClaude('an agent SIGKILLed mid-task', ({ bin }) => {
  it.each(['stdio', 'http'] as const)('over %s: its task is back within one lease TTL', async (transport) => {
    const clock = fakeClock(Date.now());
    const running = await server({ leaseTtlMs: TTL, sweepIntervalMs: 60_000 }, { clock: clock.now });
    await running.store.addTask({ id: 'doomed', description: 'the agent dies while working on it' });
    let working!: () => void;
    const started = new Promise<void>((resolve) => (working = resolve));
    const thinking = new Promise<void>((resolve) => holds.push(resolve));
    const harness = await agent(bin, [
      selectTools('tc', 'claim_next_task', 'update_task'),
      call(mcpName('tc', 'claim_next_task')),
      decide((ctx) => call(mcpName('tc', 'update_task'), { taskId: shownJson(ctx).task.id, status: 'working' })),
      // The model "thinks" until the test kills Claude Code.
      decide(async () => {
        working();
        await thinking;
        return say('never reached');
      }),
    ]);
    const entry = transport === 'stdio' ? stdioEntry(running) : httpEntry(running, { workerId: 'doomed-agent' });
    const proc = harness.startPrint('work on the board', { mcpServers: { tc: entry }, allowedTools: ['mcp__tc'] });
    await Promise.race([
      started,
      proc.done.then((exit) => Promise.reject(new Error(`claude exited early: ${exit.stderr}`))),
    ]);
    expect(harness.api.errors).toEqual([]);
    expect(await running.store.getTask({ taskId: 'doomed' })).toMatchObject({ status: 'working', attempts: 0 });

    // SIGKILL: over stdio the whole process group (Claude Code and the MCP process it started), so
    // nothing is left to give the work back; over /mcp, Claude Code alone.
    proc.kill('SIGKILL', transport === 'stdio');
    const exit = await proc.done;
    expect(exit.signal).toBe('SIGKILL');
    if (transport === 'http') await eventually(() => running.mcpLiveSessions() === 0);

    clock.advance(TTL / 2);
    await running.sweep();
    expect((await running.store.getTask({ taskId: 'doomed' })).status).toBe('working');
    clock.advance(TTL / 2 + 1);
    await running.sweep();
    expect(await running.store.getTask({ taskId: 'doomed' })).toMatchObject({
      status: 'available',
      worker: null,
      attempts: 1,
    });
    expect((await running.store.listSlots()).every((slot) => slot.free)).toBe(true);
  });
});
