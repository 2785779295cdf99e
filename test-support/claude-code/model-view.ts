// What the model sees: drives the real Claude Code through every tool of a profile against an
// in-process server (over /mcp) and prints, for each call, the text Claude Code put in front of the model.
//
//   node --conditions=@task-coordinator/source --import tsx test-support/claude-code/model-view.ts [profile]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, startServer } from 'task-coordinator-server';
import { ClaudeHarness } from './claude.js';
import { claudeCode } from './install.js';
import type { Reply, TurnContext } from './messages-api.js';
import { call, mcpName, say, selectTools } from './script.js';

const profile = process.argv[2];
const install = await claudeCode();
if (!install.available) throw new Error(install.reason);
const dir = mkdtempSync(join(tmpdir(), 'tc-model-view-'));
const server = await startServer(
  { ...DEFAULTS, port: 0, dashboardPort: null, db: join(dir, 'board.db') },
  { log: () => undefined },
);

const TOOLS = [
  'add_tasks',
  'add_task',
  'get_available_tasks',
  'get_all_tasks',
  'claim_next_task',
  'update_task',
  'heartbeat',
  'get_task',
  'release_task',
  'claim_worker_slot',
  'claim_task',
  'reset_failed_task',
  'get_task_history',
  'get_workers',
  'release_worker_slot',
  'cancel_task',
  'clean_all_tasks',
];
const tc = (tool: string, input: Record<string, unknown> = {}) => call(mcpName('tc', tool), input);
/** The slot number shown in the last result, whichever form it took. */
const slotIn = (ctx: TurnContext) => Number(/"?slot"?\s*[:=]?\s*(\d+)/i.exec(ctx.results.at(-1)?.text ?? '')?.[1] ?? 1);

const steps: Array<Reply | ((ctx: TurnContext) => Reply)> = [
  tc('add_tasks', {
    tasks: [
      { id: 'design', description: 'Design the schema' },
      { id: 'build', description: 'Build it', dependencies: ['design'] },
    ],
  }),
  tc('add_task', { id: 'docs', description: 'Write the docs' }),
  tc('add_task', { id: 'orphan', description: 'x', dependencies: ['ghost'] }),
  tc('get_available_tasks'),
  tc('get_all_tasks'),
  tc('claim_next_task'),
  tc('update_task', { taskId: 'design', status: 'working' }),
  tc('heartbeat'),
  tc('get_task', { taskId: 'design' }),
  tc('update_task', { taskId: 'design', status: 'done', output: 'schema.sql written' }),
  tc('update_task', { taskId: 'design', status: 'working' }),
  tc('claim_next_task'),
  tc('release_task', { taskId: 'build' }),
  tc('update_task', { taskId: 'build', status: 'done' }),
  tc('claim_worker_slot'),
  (ctx) => tc('claim_task', { taskId: 'build', workerSlot: slotIn(ctx) }),
  tc('update_task', { taskId: 'build', status: 'failed', error: 'tests red' }),
  tc('reset_failed_task', { taskId: 'build' }),
  tc('get_task_history', { taskId: 'build' }),
  tc('get_workers'),
  tc('release_worker_slot', { slot: 1 }),
  tc('cancel_task', { taskId: 'docs' }),
  tc('get_task', { taskId: 'ghost' }),
  tc('clean_all_tasks'),
];

const harness = await ClaudeHarness.start({
  bin: install.bin,
  turns: [selectTools('tc', ...TOOLS), ...steps, say('done')],
});
try {
  const url = `${server.mcpUrl}${profile ? `?tools=${profile}` : ''}`;
  const run = await harness.print('Work through the board.', {
    mcpServers: { tc: { type: 'http', url, headers: { 'X-Worker-Id': 'viewer' } } },
    allowedTools: ['mcp__tc'],
    timeoutMs: 180_000,
  });
  if (harness.api.errors.length) throw harness.api.errors[0];
  if (run.code !== 0) process.stderr.write(run.stderr);
  for (const result of harness.api.toolResults()) {
    const name = result.tool.replace('mcp__tc__', '');
    process.stdout.write(`### ${name} ${JSON.stringify(result.input)}${result.isError ? ' (is_error)' : ''}\n\n`);
    process.stdout.write('```\n' + result.text + '\n```\n\n');
  }
} finally {
  await harness.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
