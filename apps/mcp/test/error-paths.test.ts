// Every tool's error path through the MCP SDK's client, tools/list first as real clients do (from then
// on the SDK validates results against each tool's output schema): over stdio and /mcp, every error
// arrives as a tool error with its code and remedy, never as a thrown McpError.
import { describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { TOOL_NAMES } from '@task-coordinator/mcp-tools';
import type { RunningServer } from 'task-coordinator-server';
import { call, httpAgent, server, stdioAgent, text } from './helpers.js';

/** One failing call per tool; the tools without input fail only when the server is away (stdio, below). */
const FAILING: Array<[tool: string, args: Record<string, unknown>, codes: string[]]> = [
  ['claim_next_task', { wait_seconds: 99 }, ['VALIDATION_FAILED']],
  ['update_task', { taskId: 'ghost', status: 'done' }, ['TASK_NOT_FOUND']],
  ['release_task', { taskId: 'ghost' }, ['TASK_NOT_FOUND']],
  ['get_task', { taskId: 'ghost' }, ['TASK_NOT_FOUND']],
  ['get_task_history', { taskId: 'bad id' }, ['VALIDATION_FAILED']],
  ['get_available_tasks', { limit: 0 }, ['VALIDATION_FAILED']],
  ['get_all_tasks', { status: ['nope'] }, ['VALIDATION_FAILED']],
  ['add_task', { id: 'z', description: 'z', dependencies: ['nope'] }, ['UNKNOWN_DEPENDENCY']],
  ['add_tasks', { tasks: [] }, ['VALIDATION_FAILED']],
  ['claim_task', { taskId: 'ghost', workerSlot: 1 }, ['TASK_NOT_FOUND', 'SLOT_NOT_HELD']],
  ['claim_worker_slot', {}, ['NO_FREE_SLOT']],
  ['release_worker_slot', { slot: 1 }, ['SLOT_NOT_HELD']],
  ['reset_failed_task', { taskId: 'ghost' }, ['TASK_NOT_FOUND']],
  ['cancel_task', { taskId: 'ghost' }, ['TASK_NOT_FOUND']],
  ['ask_human', { taskId: 'ghost', question: 'which?', wait_seconds: 0 }, ['TASK_NOT_FOUND']],
  ['add_note', { taskId: 'ghost', text: 'tried it' }, ['TASK_NOT_FOUND']],
  ['reserve_files', { taskId: 'ghost', patterns: ['src/**'] }, ['TASK_NOT_FOUND']],
  ['release_files', { taskId: 'ghost' }, ['TASK_NOT_FOUND']],
  ['check_files', { paths: ['/etc/passwd'] }, ['VALIDATION_FAILED']],
];
const NO_DOMAIN_ERROR = ['heartbeat', 'get_workers', 'clean_all_tasks'];

async function board(): Promise<RunningServer> {
  const running = await server({ slots: 1 });
  // Another worker holds the only slot: claim_worker_slot and release_worker_slot fail.
  await running.store.claimSlot({ workerId: 'someone-else' });
  return running;
}

async function expectToolErrors(client: Client): Promise<void> {
  await client.listTools();
  for (const [tool, args, codes] of FAILING) {
    const result = await call(client, tool, args);
    expect(result.isError, `${tool} should fail`).toBe(true);
    expect(result.structuredContent, tool).toBeUndefined();
    const shown = text(result);
    expect(
      codes.some((code) => shown.startsWith(`${code}: `)),
      `${tool}: ${shown}`,
    ).toBe(true);
    // The remedy rides in the text, on its own line.
    expect(shown.split('\n').length, `${tool}: ${shown}`).toBeGreaterThan(1);
  }
}

describe('every tool error is readable by every client', () => {
  it('the table covers every tool', () => {
    expect([...FAILING.map(([tool]) => tool), ...NO_DOMAIN_ERROR].sort()).toEqual([...TOOL_NAMES].sort());
  });

  it('over /mcp', async () => {
    const running = await board();
    await expectToolErrors(await httpAgent(running.mcpUrl, { 'X-Worker-Id': 'erring' }));
  }, 60_000);

  it('over stdio, and every tool while the server is away', async () => {
    const running = await board();
    const { client } = await stdioAgent(running.apiUrl, { TASK_COORDINATOR_WORKER_ID: 'erring' });
    await expectToolErrors(client);
    await running.close();
    for (const tool of TOOL_NAMES) {
      const args = FAILING.find(([name]) => name === tool)?.[1] ?? {};
      const result = await call(client, tool, tool === 'claim_next_task' ? {} : args);
      expect(result.isError, tool).toBe(true);
      expect(result.structuredContent, tool).toBeUndefined();
      // Validation errors come before the server is asked; everything else finds it away.
      expect(text(result), tool).toMatch(/^(SERVER_UNAVAILABLE|VALIDATION_FAILED): /);
    }
  }, 60_000);
});
