// The Claude Code plugin end to end, with the real binary and a scripted model: validate, install from the local
// marketplace, projected token cost, the SessionStart briefing, the MCP tools through the plugin's entry, the Stop
// hook, and the PreToolUse reservation guard.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import {
  ClaudeHarness,
  call,
  decide,
  lastResult,
  deferredToolNames,
  describeClaude,
  say,
  toolSearch,
} from '@task-coordinator/test-support/claude-code';
import type { Task } from '@task-coordinator/core';
import { server, tcx } from './helpers.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const harnesses: ClaudeHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function harness(turns: Parameters<typeof ClaudeHarness.start>[0]['turns'], bin: string) {
  const h = await ClaudeHarness.start({ bin, turns: turns ?? [] });
  harnesses.push(h);
  return h;
}

/** Adds the repository as a marketplace and installs the plugin, pointed at `url` and at this clone's built client. */
async function install(h: ClaudeHarness, url: string) {
  const added = await h.plugin(['marketplace', 'add', repo]);
  expect(added.code, added.stdout + added.stderr).toBe(0);
  const installed = await h.plugin([
    'install',
    'task-coordinator@task-coordinator',
    '--config',
    `server_url=${url}`,
    '--config',
    `client_dir=${repo}`,
  ]);
  expect(installed.code, installed.stdout + installed.stderr).toBe(0);
}

/** Every text the model was shown across the run (system prompts, messages, tool results). */
const shown = (h: ClaudeHarness) => h.api.requests.map((r) => JSON.stringify(r.body)).join('\n');

await describeClaude('the Claude Code plugin', ({ bin }) => {
  it('claude plugin validate passes for the plugin and the marketplace', async () => {
    const h = await harness([], bin);
    for (const target of [join(repo, 'plugins', 'task-coordinator'), repo]) {
      const run = await h.plugin(['validate', target]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain('Validation passed');
    }
  });

  it('installs from the local marketplace; what is always loaded stays under 2,000 tokens', async () => {
    const s = await server();
    const h = await harness([], bin);
    await install(h, s.apiUrl);
    const details = await h.plugin(['details', 'task-coordinator']);
    expect(details.code, details.stderr).toBe(0);
    for (const part of ['SessionStart', 'PreToolUse', 'Stop', 'task-coordinator', 'next', 'status', 'add'])
      expect(details.stdout).toContain(part);
    const always = /Always-on:\s+[~<]?\s*([\d,]+)\s*tok/.exec(details.stdout);
    expect(always, details.stdout).not.toBeNull();
    process.stdout.write(`plugin details: always-on ${always?.[1]} tokens\n`);
    expect(Number(always?.[1]?.replace(',', ''))).toBeLessThanOrEqual(2000);
    const list = await h.mcp(['list']);
    expect(list.stdout).toMatch(/plugin:task-coordinator:task-coordinator: .*(✓|✔) Connected/);
  });

  it('a session gets the briefing, works through the plugin MCP tools, and is stopped once while it holds a task', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add'], {
      stdin: JSON.stringify([
        { id: 'plugin-task', description: 'Write the plugin test fixture', priority: 3 },
        { id: 'later', description: 'Something for later' },
      ]),
    });
    let claimTool = '';
    const h = await harness(
      [
        decide(({ request }) => {
          claimTool = deferredToolNames(request).find((name) => name.endsWith('__claim_next_task')) ?? 'missing';
          return toolSearch(`select:${claimTool}`);
        }),
        decide(() => call(claimTool, {})),
        say('Claimed it; stopping here.'),
        say('Understood, I will leave the note next time.'),
      ],
      bin,
    );
    await install(h, s.apiUrl);
    const run = await h.print('Take the next task of the board.', {
      timeoutMs: 120_000,
      allowedTools: ['mcp__plugin_task-coordinator_task-coordinator'],
    });
    expect(h.api.errors).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    const seen = shown(h);
    // SessionStart: tcx prime's briefing is in what the model receives, with the board's ready task.
    expect(seen).toContain('# Task Coordinator: project \\"default\\"');
    expect(seen).toContain('plugin-task [available p3] Write the plugin test fixture');
    // The MCP tool ran through the plugin's entry (this clone's built client) and claimed the task.
    expect(claimTool).toMatch(/^mcp__plugin_task-coordinator_task-coordinator__claim_next_task$/);
    const claimed = h.api.toolResults().find((r) => r.tool === claimTool);
    expect(claimed?.isError, claimed?.text).toBe(false);
    expect(claimed?.text).toContain('plugin-task');
    const history = (await (await fetch(`${s.apiUrl}/api/v1/tasks/plugin-task/history`)).json()) as {
      events: Array<{ type: string; workerId: string | null }>;
    };
    const claim = history.events.find((e) => e.type === 'task.claimed');
    expect(claim?.workerId).toBeTruthy();
    // The hooks name the same worker as the MCP client: the briefing said who "you" are.
    expect(seen).toContain(`you are worker ${claim?.workerId}`);
    // Stop: the agent that still held the task was told to finish, release or note it, once.
    expect(seen).toContain('You still hold a task on the Task Coordinator: plugin-task');
    expect(h.api.mainRequests().length).toBeGreaterThanOrEqual(4);
    const task = (await (await fetch(`${s.apiUrl}/api/v1/tasks/plugin-task`)).json()) as { task: Task };
    expect(['claimed', 'available']).toContain(task.task.status); // the client gives its work back when it exits
  }, 180_000);

  it("the plugin's PreToolUse guard refuses an edit of a file another agent reserved, with the holder and task", async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add', 'Rework login', '--id', 'auth']);
    const other = { env: { TASK_COORDINATOR_WORKER_ID: 'agent-x' } };
    await tcx(s.apiUrl, ['claim', 'auth'], other);
    expect((await tcx(s.apiUrl, ['reserve', 'auth', 'src/auth/**'], other)).code).toBe(0);
    const repo = mkdtempSync(join(tmpdir(), 'tc-plugin-guard-'));
    const login = join(repo, 'src', 'auth', 'login.ts');
    mkdirSync(dirname(login), { recursive: true });
    writeFileSync(login, 'export const v = 1;\n');
    execFileSync('git', ['init', '-q'], { cwd: repo });
    let refused: ReturnType<typeof lastResult> | undefined;
    try {
      const h = await harness(
        [
          call('Read', { file_path: login }),
          call('Edit', { file_path: login, old_string: 'v = 1', new_string: 'v = 2' }),
          decide((ctx) => {
            refused = lastResult(ctx);
            return say('Left it alone.');
          }),
        ],
        bin,
      );
      await install(h, s.apiUrl);
      const run = await h.print('Bump the login version.', {
        cwd: repo,
        allowedTools: ['Read', 'Edit'],
        timeoutMs: 120_000,
      });
      expect(h.api.errors).toEqual([]);
      expect(run.code, run.stderr).toBe(0);
      expect(refused?.isError).toBe(true);
      expect(refused?.text).toContain(
        'Task Coordinator: src/auth/login.ts is held by agent-x (pattern src/auth/**, exclusive reservation for task auth',
      );
      expect(readFileSync(login, 'utf8')).toBe('export const v = 1;\n');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }, 180_000);
});
