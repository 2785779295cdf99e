// The process: flags, one-line startup failures, graceful shutdown, and restarts on the same file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '@task-coordinator/store-sqlite';
import { DEFAULTS, startServer } from '../src/index.js';
import { client, longPollsWaiting, sleep, tempDb } from './helpers.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.ts');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--conditions=@task-coordinator/source', '--import', 'tsx', cli, ...args], {
    env: { ...process.env, PORT: '', DASHBOARD_PORT: '', TC_DB: '', TC_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
}

async function apiUrlOf(r: Run): Promise<string> {
  // Bounded by the test's timeout; a saturated machine may take many seconds to load the sources.
  for (let i = 0; i < 2400; i++) {
    const match = /API\s+(http:\/\/[^/\s]+)\/api\/v1/.exec(r.stdout());
    if (match) return match[1] as string;
    if (r.child.exitCode !== null) throw new Error(`server exited: ${r.stderr()}`);
    await sleep(50);
  }
  throw new Error(`server did not start: ${r.stdout()} ${r.stderr()}`);
}

/** A bound for tests that start server processes (a saturated machine loads the sources slowly); no assertion on time. */
const PROCESS_TIMEOUT = 120_000;

describe('command line', () => {
  it(
    '--help and --version',
    async () => {
      // Started together: on a saturated machine each start (tsx loading the sources) takes seconds.
      const help = run(['--help']);
      const version = run(['--version']);
      expect(await help.exited).toBe(0);
      for (const flag of [
        '--port',
        '--dashboard-port',
        '--host',
        '--db',
        '--database-url',
        '--slots',
        '--lease-ttl',
        '--legacy-lease-ttl',
        '--token',
        '--insecure',
      ]) {
        expect(help.stdout()).toContain(flag);
      }
      expect(await version.exited).toBe(0);
      expect(version.stdout().trim()).toMatch(/^\d+\.\d+\.\d+$/);
    },
    PROCESS_TIMEOUT,
  );

  it(
    'a bad flag or duration exits 2 with one line',
    async () => {
      const runs = [['--bogus'], ['--lease-ttl', 'soon'], ['--port', 'http']].map((args) => run(args));
      for (const r of runs) {
        expect(await r.exited).toBe(2);
        expect(r.stderr().trim().split('\n')).toHaveLength(1);
        expect(r.stderr()).toMatch(/^task-coordinator-server: /);
      }
    },
    PROCESS_TIMEOUT,
  );

  it(
    'a port in use, or a database it cannot open, exits 1 with one line and no stack trace',
    async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
      const port = (blocker.address() as { port: number }).port;
      try {
        const busy = run(['--port', String(port), '--dashboard-port', '0', '--db', tempDb()]);
        expect(await busy.exited).toBe(1);
        expect(busy.stderr().trim().split('\n')).toHaveLength(1);
        expect(busy.stderr()).toContain(`port ${port}`);
        expect(busy.stderr()).toContain('already in use');
      } finally {
        blocker.close();
      }
      const badDb = run(['--port', '0', '--dashboard-port', '0', '--db', '/nonexistent-dir/x/tc.db']);
      expect(await badDb.exited).toBe(1);
      expect(badDb.stderr().trim().split('\n')).toHaveLength(1);
      expect(badDb.stderr()).toContain('/nonexistent-dir/x/tc.db');
      expect(badDb.stderr()).not.toMatch(/\n\s+at /);
    },
    PROCESS_TIMEOUT,
  );

  it(
    'starts with environment variables, prints where it listens, and shuts down gracefully on SIGTERM',
    async () => {
      const db = tempDb();
      const r = run([], { PORT: '0', DASHBOARD_PORT: '0', TC_DB: db, TC_TOKEN: 'tok' });
      const url = await apiUrlOf(r);
      expect(r.stdout()).toContain('OpenAPI');
      expect(r.stdout()).toContain('claude mcp add task-coordinator');
      const http = client(url, 'tok');
      await http.post('/api/v1/tasks', { id: 'persisted', description: 'x' });
      // A long-poll in flight when the signal arrives gets an answer, not a reset.
      const waiting = http.post('/api/v1/claim-next', { workerId: 'w', labels: ['never'], wait: 30 });
      await longPollsWaiting(http, 1);
      r.child.kill('SIGTERM');
      const answer = await waiting;
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ task: null, slot: null, resumed: false });
      expect(await r.exited).toBe(0);
      expect(r.stdout()).toContain('stopped');
      const store = await openSqliteStore({ file: db });
      expect(store.database.integrityCheck()).toBe('ok');
      expect((await store.getTask({ taskId: 'persisted' })).status).toBe('available');
      await store.close();
    },
    PROCESS_TIMEOUT,
  );
});

describe('restart', () => {
  it('a restart on the same file keeps tasks, claims, slots and the event feed', async () => {
    const db = tempDb();
    const config = { ...DEFAULTS, port: 0, dashboardPort: null, db };
    const first = await startServer(config, { log: () => undefined });
    const a = client(first.apiUrl);
    await a.post('/api/v1/tasks', {
      tasks: [
        { id: 'x', description: 'x' },
        { id: 'y', description: 'y', dependencies: ['x'] },
      ],
    });
    await a.post('/api/v1/claim-next', { workerId: 'w' });
    const before = {
      tasks: (await a.get('/api/v1/tasks')).body,
      slots: (await a.get('/api/v1/slots')).body,
      events: (await a.get('/api/v1/events')).body,
    };
    await first.close();

    const second = await startServer(config, { log: () => undefined });
    try {
      const b = client(second.apiUrl);
      expect((await b.get('/api/v1/tasks')).body).toEqual(before.tasks);
      expect((await b.get('/api/v1/slots')).body).toEqual(before.slots);
      expect((await b.get('/api/v1/events')).body).toEqual(before.events);
      expect((await b.post('/api/v1/tasks/x/complete', { workerId: 'w' })).body.unblocked).toEqual(['y']);
    } finally {
      await second.close();
    }
  });
});
