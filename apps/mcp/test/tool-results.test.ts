// Every MCP tool's structured result checked against the output schema it declares, over /mcp with
// the SDK's client (tools/list first, as real clients do). Strict at the top level: a field the
// schema does not declare is an error, so the listing an agent reads stays the truth.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TOOLS } from '@task-coordinator/mcp-tools';
import { call, httpAgent, server, text } from './helpers.js';

describe('tool results fit their declared output schemas', () => {
  it('every tool, on a session that reaches each one', async () => {
    const running = await server({ slots: 3 });
    const client = await httpAgent(running.mcpUrl, { 'X-Worker-Id': 'checker' });
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.name).sort());
    const checked = new Set<string>();
    const check = async (name: string, args: Record<string, unknown> = {}) => {
      const tool = TOOLS.find((t) => t.name === name)!;
      const result = await call(client, name, args);
      expect(result.isError, `${name}: ${text(result)}`).toBeFalsy();
      const parsed = z.strictObject(tool.output).safeParse(result.structuredContent);
      expect(parsed.success, `${name}: ${parsed.error?.message}`).toBe(true);
      checked.add(name);
      return result.structuredContent;
    };
    await check('add_task', { id: 'one', description: 'x' });
    await check('add_tasks', {
      tasks: [
        { id: 'a', description: 'x' },
        { id: 'b', description: 'x', dependencies: ['a'] },
        { id: 'c', description: 'x' },
      ],
    });
    await check('get_available_tasks');
    await check('get_all_tasks', { status: ['blocked'] });
    await check('get_task', { taskId: 'b' });
    const { slot } = await check('claim_worker_slot');
    await check('get_workers');
    await check('claim_task', { taskId: 'one', workerSlot: slot });
    await check('update_task', { taskId: 'one', status: 'working' });
    await check('heartbeat');
    await check('update_task', { taskId: 'one', status: 'done', output: 'o' });
    await check('claim_next_task');
    await check('update_task', { taskId: 'a', status: 'failed', error: 'e' });
    await check('reset_failed_task', { taskId: 'a' });
    await check('claim_next_task');
    await check('release_task', { taskId: 'a' });
    await check('cancel_task', { taskId: 'c', reason: 'not needed' });
    await check('release_worker_slot', { slot });
    const held = (await check('claim_next_task')) as { task: { id: string } };
    await check('ask_human', { taskId: held.task.id, question: 'which one?', wait_seconds: 0 });
    await check('add_note', { taskId: held.task.id, text: 'tried the other' });
    await check('reserve_files', { taskId: held.task.id, patterns: ['src/auth/**', 'README.md'], reason: 'refactor' });
    await check('check_files', { paths: ['src/auth/login.ts', 'docs/x.md'] });
    await check('release_files', { taskId: held.task.id, patterns: ['README.md'] });
    await check('get_task_history', { taskId: 'one' });
    await check('clean_all_tasks');
    expect([...checked].sort()).toEqual(TOOLS.map((t) => t.name).sort());
  }, 60_000);
});
