// The reservation guard in the real Claude Code: two agents in one git repository, hooks loaded with
// `--settings FILE` (the block `config --hooks` prints, the guard run from source). Agent A claims a task and
// reserves src/auth/** through the MCP tool; agent B's Edit of src/auth/login.ts is refused by Claude Code with
// our reason (asserted on what B's model was sent); A's own edit of the file goes through; once A finishes its
// task, B's edit passes. Neither agent is given a worker id: the MCP client and the hook both derive it from
// Claude Code's pid.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  call,
  decide,
  describeClaude,
  lastResult,
  mcpName,
  say,
  selectTools,
  tsStdioServer,
  type Turn,
} from '@task-coordinator/test-support/claude-code';
import { shellWord } from '@task-coordinator/mcp-tools';
import { claudeHookSettings } from '../src/index.js';
import { agent, shownJson, stdioEntry } from './claude-helpers.js';
import { cli, server } from './helpers.js';

const tc = (tool: string, input: Record<string, unknown> = {}) => call(mcpName('tc', tool), input);

/** A promise with its resolve, for the two scripted models to take turns. */
function signal<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

await describeClaude('the reservation guard in Claude Code', ({ bin }) => {
  it(
    "refuses B's edit of a file A reserved, lets A's through, and B's once A is done",
    { timeout: 300_000 },
    async () => {
      const running = await server();
      await running.store.addTask({ id: 'auth', description: 'Rework the login' });
      const repo = mkdtempSync(join(tmpdir(), 'tc-guard-repo-'));
      const login = join(repo, 'src', 'auth', 'login.ts');
      mkdirSync(join(repo, 'src', 'auth'), { recursive: true });
      writeFileSync(login, 'export const login = "v1";\n');
      execFileSync('git', ['init', '-q'], { cwd: repo });

      // The settings.json block `task-coordinator-mcp config --hooks` prints, with the guard run from source.
      const launch = tsStdioServer(cli) as { command: string; args: string[] };
      const guard = [launch.command, ...launch.args, 'guard'].map(shellWord).join(' ');
      const settings = claudeHookSettings({ url: running.apiUrl, token: null });
      (settings.hooks as any).PreToolUse[0].hooks[0].command = guard;

      const reserved = signal<string>();
      const denied = signal();
      const finished = signal();
      const seen: Record<string, { text: string; isError: boolean }> = {};

      const aTurns: Turn[] = [
        selectTools('tc', 'claim_next_task', 'reserve_files', 'update_task'),
        tc('claim_next_task'),
        decide((ctx) =>
          tc('reserve_files', { taskId: shownJson(ctx).task.id, patterns: ['src/auth/**'], reason: 'login rework' }),
        ),
        decide(async (ctx) => {
          seen.reserve = lastResult(ctx);
          reserved.resolve(shownJson(ctx).reservations[0].worker);
          await denied.promise;
          return call('Read', { file_path: login });
        }),
        call('Edit', { file_path: login, old_string: '"v1"', new_string: '"v2"' }),
        decide((ctx) => {
          seen.aEdit = lastResult(ctx);
          return tc('update_task', { taskId: 'auth', status: 'done', output: 'login reworked' });
        }),
        decide((ctx) => {
          seen.done = lastResult(ctx);
          finished.resolve();
          return say('A is done.');
        }),
      ];
      const bTurns: Turn[] = [
        decide(async () => {
          await reserved.promise;
          return call('Read', { file_path: login });
        }),
        call('Edit', { file_path: login, old_string: '"v1"', new_string: '"b"' }),
        decide(async (ctx) => {
          seen.bRefused = lastResult(ctx);
          denied.resolve();
          await finished.promise;
          return call('Read', { file_path: login });
        }),
        call('Edit', { file_path: login, old_string: '"v2"', new_string: '"v3"' }),
        decide((ctx) => {
          seen.bEdit = lastResult(ctx);
          return say('B is done.');
        }),
      ];

      try {
        const a = await agent(bin, aTurns);
        const b = await agent(bin, bTurns);
        const common = { settings, cwd: repo, allowedTools: ['mcp__tc', 'Read', 'Edit'], timeoutMs: 240_000 };
        const aProc = a.startPrint('Rework the login.', { ...common, mcpServers: { tc: stdioEntry(running) } });
        const bProc = b.startPrint('Reword the login constant.', {
          ...common,
          mcpServers: { tc: stdioEntry(running) },
        });
        const [aRun, bRun] = await Promise.all([aProc.done, bProc.done]);
        expect(a.api.errors).toEqual([]);
        expect(b.api.errors).toEqual([]);
        expect(aRun.code, aRun.stderr).toBe(0);
        expect(bRun.code, bRun.stderr).toBe(0);

        // A's worker, derived from its Claude Code's pid by its MCP client, holds the reservation.
        const holder = await reserved.promise;
        expect(holder).toMatch(new RegExp(`-${aProc.pid}$`));
        expect(seen.reserve?.isError).toBe(false);

        // B's model was sent the refusal as the Edit's error, with our reason: the path, holder, pattern and task.
        expect(seen.bRefused?.isError).toBe(true);
        expect(seen.bRefused?.text).toContain(
          `Task Coordinator: src/auth/login.ts is held by ${holder} (pattern src/auth/**, exclusive reservation for task auth, since `,
        );
        expect(seen.bRefused?.text).toContain('do not edit this file now');
        process.stdout.write(`B's model was sent: ${seen.bRefused?.text}\n`);
        const refusal = b.api.toolResults().find((r) => r.tool === 'Edit' && r.isError);
        expect(refusal?.input).toMatchObject({ file_path: login, new_string: '"b"' });

        // A's own edit went through; its task done, the reservation went with it, and B's edit passed.
        expect(seen.aEdit?.isError, seen.aEdit?.text).toBe(false);
        expect(seen.done?.isError, seen.done?.text).toBe(false);
        expect(seen.bEdit?.isError, seen.bEdit?.text).toBe(false);
        expect(readFileSync(login, 'utf8')).toBe('export const login = "v3";\n');
        expect((await running.store.listReservations()).reservations).toEqual([]);
        const released = await running.store.events({ type: ['files.released'] });
        expect(released.map((e) => e.data.reason)).toEqual(['task-finished']);
      } finally {
        rmSync(repo, { recursive: true, force: true });
      }
    },
  );
});
