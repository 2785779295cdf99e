// Test helpers: a real server on port 0 (temporary SQLite file) and tcx run in-process or as its own process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';
import { DEFAULTS, startServer, type RunningServer, type ServerConfig } from 'task-coordinator-server';
import { run } from '../src/index.js';

export const cliSource = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'tc-cli-'));
let files = 0;
const servers: RunningServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

export async function server(overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const running = await startServer(
    {
      ...DEFAULTS,
      port: 0,
      dashboardPort: null,
      db: join(dir, `cli-${++files}.db`),
      sweepIntervalMs: 50,
      ...overrides,
    },
    { log: () => undefined },
  );
  servers.push(running);
  return running;
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdin?: string;
  env?: Record<string, string>;
  columns?: number;
  signal?: AbortSignal;
}

/** tcx in this process, against `url`, with fixed width and no colour (what the snapshots show). */
export async function tcx(url: string, args: string[], options: RunOptions = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: async () => options.stdin ?? null,
    env: { TASK_COORDINATOR_URL: url, TASK_COORDINATOR_WORKER_ID: 'cli-test', ...options.env },
    color: false,
    columns: options.columns ?? 100,
    progressStream: null,
    ...(options.signal ? { interrupt: options.signal } : {}),
  });
  return { code, stdout, stderr };
}

/** tcx as a user runs it: its own Node process (sources through tsx), real stdin, exit code and streams. */
export function tcxProcess(url: string, args: string[], options: RunOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@task-coordinator/source', '--import', 'tsx', cliSource, ...args],
      {
        env: {
          ...process.env,
          NO_COLOR: '1',
          TASK_COORDINATOR_URL: url,
          TASK_COORDINATOR_WORKER_ID: 'cli-test',
          ...options.env,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** Times in output vary from run to run: the snapshots show them as a placeholder. */
export function stable(text: string): string {
  return text.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/g, '<time>').replace(/@[0-9a-z-]+/g, '@<host>');
}
