// task-coordinator-mcp's own command line: config lines, --help, --version.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { configText, defaultWorkerId } from '../src/index.js';
import { cli } from './helpers.js';

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--conditions=@task-coordinator/source', '--import', 'tsx', cli, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });

describe('task-coordinator-mcp command line', () => {
  it('config prints the claude mcp add lines for stdio and http, and the JSON block', () => {
    const out = run(['config'], { TASK_COORDINATOR_URL: 'http://127.0.0.1:4444', TASK_COORDINATOR_TOKEN: 'tok' });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('claude mcp add task-coordinator -e TASK_COORDINATOR_URL=http://127.0.0.1:4444 -e TASK_COORDINATOR_TOKEN=tok -- npx -y task-coordinator-mcp');
    expect(out.stdout).toContain('claude mcp add --transport http task-coordinator http://127.0.0.1:4444/mcp --header "X-Worker-Id: ');
    expect(out.stdout).toContain('--header "Authorization: Bearer tok"');
    const json = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'), out.stdout.indexOf('\n}\n') + 2));
    expect(json).toEqual({
      mcpServers: {
        'task-coordinator': { command: 'npx', args: ['-y', 'task-coordinator-mcp'], env: { TASK_COORDINATOR_URL: 'http://127.0.0.1:4444', TASK_COORDINATOR_TOKEN: 'tok' } },
      },
    });
  }, 30_000);

  it('--help and --version; an unknown argument exits 2', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const name of ['TASK_COORDINATOR_URL', 'TASK_COORDINATOR_TOKEN', 'TASK_COORDINATOR_WORKER_ID', 'config']) expect(help.stdout).toContain(name);
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
});
