// task-coordinator-mcp's own command line: config lines, --help, --version.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configText, defaultWorkerId, hooksText, localClientPath } from '../src/index.js';
import { cli } from './helpers.js';

/** This checkout's built client: what `config` prints when run from a clone. */
const builtClient = join(dirname(dirname(cli)), 'dist', 'cli.js');

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--conditions=@task-coordinator/source', '--import', 'tsx', cli, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });

describe('task-coordinator-mcp command line', () => {
  it('config from a clone prints the built client by its absolute path (the package is not on npm from here)', () => {
    const out = run(['config'], { TASK_COORDINATOR_URL: 'http://127.0.0.1:4444', TASK_COORDINATOR_TOKEN: 'tok' });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain(
      `claude mcp add task-coordinator -e TASK_COORDINATOR_URL=http://127.0.0.1:4444 -e TASK_COORDINATOR_TOKEN=tok -- node ${builtClient}`,
    );
    expect(out.stdout).toContain(
      'claude mcp add --transport http task-coordinator http://127.0.0.1:4444/mcp --header "X-Worker-Id: ',
    );
    expect(out.stdout).toContain('--header "Authorization: Bearer tok"');
    const json = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'), out.stdout.indexOf('\n}\n') + 2));
    expect(json).toEqual({
      mcpServers: {
        'task-coordinator': {
          command: 'node',
          args: [builtClient],
          env: { TASK_COORDINATOR_URL: 'http://127.0.0.1:4444', TASK_COORDINATOR_TOKEN: 'tok' },
        },
      },
    });
  }, 30_000);

  it('installed from npm (under node_modules) the line is npx -y task-coordinator-mcp', () => {
    expect(localClientPath(cli)).toBe(builtClient);
    expect(localClientPath('/home/u/.npm/_npx/abc/node_modules/task-coordinator-mcp/dist/install.js')).toBeNull();
    const text = configText({ url: 'http://127.0.0.1:4444', token: null, client: null });
    expect(text).toContain(
      'claude mcp add task-coordinator -e TASK_COORDINATOR_URL=http://127.0.0.1:4444 -- npx -y task-coordinator-mcp',
    );
    expect(configText({ url: 'http://x:1', token: null, client: '/srv/my clone/apps/mcp/dist/cli.js' })).toContain(
      "-- node '/srv/my clone/apps/mcp/dist/cli.js'",
    );
  });

  it('--help and --version; an unknown argument exits 2', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const name of ['TASK_COORDINATOR_URL', 'TASK_COORDINATOR_TOKEN', 'TASK_COORDINATOR_WORKER_ID', 'config'])
      expect(help.stdout).toContain(name);
    expect(run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = run(['serve-please']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown argument');
  }, 30_000);

  it('a worker id is given by the environment or derived stably from host, project and parent process', () => {
    expect(defaultWorkerId({ TASK_COORDINATOR_WORKER_ID: 'me' })).toBe('me');
    const derived = defaultWorkerId({});
    expect(derived).toBe(defaultWorkerId({}));
    expect(derived.endsWith(`-${process.ppid}`)).toBe(true);
    expect(configText({ url: 'http://x:1/', token: null })).not.toContain('TOKEN');
  });

  it('config --hooks prints the Claude Code hooks block (the guard on every file edit) and a git pre-commit script', () => {
    const out = run(['config', '--hooks'], { TASK_COORDINATOR_URL: 'http://127.0.0.1:4444/' });
    expect(out.status).toBe(0);
    const settings = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'), out.stdout.indexOf('\n}\n') + 2));
    expect(settings).toEqual({
      env: { TASK_COORDINATOR_URL: 'http://127.0.0.1:4444' },
      hooks: {
        PreToolUse: [
          {
            matcher: 'Edit|Write|MultiEdit|NotebookEdit',
            hooks: [{ type: 'command', command: `node ${builtClient} guard`, timeout: 30 }],
          },
        ],
      },
    });
    const script = out.stdout.slice(out.stdout.indexOf('#!/bin/sh'));
    expect(script).toContain('export TASK_COORDINATOR_URL="${TASK_COORDINATOR_URL:-http://127.0.0.1:4444}"\n');
    expect(script.trimEnd().split('\n').at(-1)).toBe(`exec node ${builtClient} guard --git-pre-commit`);
    const npm = hooksText({ url: 'http://x:1', token: 'tok', client: null });
    expect(npm).toContain('"command": "npx -y task-coordinator-mcp guard"');
    expect(npm).toContain('exec npx -y task-coordinator-mcp guard --git-pre-commit');
    expect(npm).toContain('"TASK_COORDINATOR_TOKEN": "tok"');
  }, 30_000);
});
