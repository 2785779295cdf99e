// Test helpers: a real server on port 0 with a temporary SQLite file, and a small JSON client for it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';
import { DEFAULTS, startServer, type RunningServer, type ServerConfig, type StartOptions } from '../src/index.js';
import { eventually, sleep } from '@task-coordinator/test-support/wait';

const dir = mkdtempSync(join(tmpdir(), 'tc-server-'));
let files = 0;
const running: RunningServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

export function tempDb(): string {
  return join(dir, `server-${++files}.db`);
}

export interface TestServer extends RunningServer {
  logged: string[];
  http: Client;
}

/** Starts a server on 127.0.0.1:0 (no dashboard port unless asked) on a fresh database. */
export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const logged: string[] = [];
  const server = await startServer(
    { ...DEFAULTS, port: 0, dashboardPort: null, db: tempDb(), sweepIntervalMs: 50, ...overrides },
    { log: (message, error) => logged.push(`${message}: ${String(error)}`), ...options },
  );
  running.push(server);
  return Object.assign(server, { logged, http: client(server.apiUrl, overrides.token ?? null) });
}

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Client {
  get<T = any>(path: string, init?: RequestInit): Promise<Reply<T>>;
  post<T = any>(path: string, body?: unknown, init?: RequestInit): Promise<Reply<T>>;
  patch<T = any>(path: string, body?: unknown, init?: RequestInit): Promise<Reply<T>>;
  delete<T = any>(path: string, body?: unknown, init?: RequestInit): Promise<Reply<T>>;
  raw(path: string, init: RequestInit): Promise<Reply>;
}

export function client(base: string, token: string | null = null): Client {
  const call = async (path: string, init: RequestInit): Promise<Reply> => {
    const headers = new Headers(init.headers);
    if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    const res = await fetch(`${base}${path}`, { ...init, headers });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body, headers: res.headers };
  };
  const json =
    (method: string) =>
    (path: string, body?: unknown, init: RequestInit = {}) =>
      call(path, {
        ...init,
        method,
        headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
  return {
    get: (path, init = {}) => call(path, { ...init, method: 'GET' }),
    post: json('POST'),
    patch: json('PATCH'),
    delete: json('DELETE'),
    raw: call,
  };
}

export { eventually, sleep };

/** Resolves once the server has `count` requests waiting in a long-poll (claim-next or events). */
export async function longPollsWaiting(http: Client, count: number, project = 'default'): Promise<void> {
  await eventually(
    async () => (await http.get(`/api/v1/stats?project=${project}`)).body.server.longPollsWaiting === count,
    20_000,
  );
}

export { LEGACY_ROUTES } from '../drills/support.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.ts');

/** Runs `task-coordinator-server <args>` from source, with no store settings from the environment. */
export function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@task-coordinator/source', '--import', 'tsx', cli, ...args], {
      env: { ...process.env, TC_DB: '', DATABASE_URL: '', TC_DATABASE_SCHEMA: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The value of one series in a Prometheus text exposition (GET /metrics); undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (line.slice(0, space) === series) return Number(line.slice(space + 1));
  }
  return undefined;
}
