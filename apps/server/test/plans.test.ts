// Plans and templates: POST /api/v1/plans and the import-plan command; rejected plans name the entry and line.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '@task-coordinator/store-sqlite';
import { eventually, longPollsWaiting, runCli, startTestServer, tempDb } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const RELEASE = readFileSync(join(root, 'docs', 'plans', 'release.yaml'), 'utf8');

const PLAN = `name: small
tasks:
  - id: schema
    description: Design the schema
  - id: api
    description: Write the API
    dependencies: [schema]
    priority: 5
  - id: ui
    description: Build the UI
    dependencies: [api]
    labels: [frontend]
`;

describe('POST /api/v1/plans', () => {
  it('adds a YAML plan atomically and answers its tasks and edges', async () => {
    const { http } = await startTestServer();
    const res = await http.post('/api/v1/plans', { plan: PLAN });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'small',
      project: 'default',
      dryRun: false,
      created: ['schema', 'api', 'ui'],
    });
    expect(res.body.edges).toEqual([
      { from: 'schema', to: 'api' },
      { from: 'api', to: 'ui' },
    ]);
    const tasks = (await http.get('/api/v1/tasks')).body.tasks as Array<{
      id: string;
      status: string;
      priority: number;
      labels: string[];
    }>;
    expect(tasks.map((t) => [t.id, t.status])).toEqual([
      ['schema', 'available'],
      ['api', 'blocked'],
      ['ui', 'blocked'],
    ]);
    expect(tasks[1]?.priority).toBe(5);
    // The same plan again is an idempotent retry.
    const again = await http.post('/api/v1/plans', { plan: PLAN });
    expect(again.status).toBe(200);
    expect(again.body.created).toEqual([]);
  });

  it('takes JSON text or a plan object too, into the project asked for', async () => {
    const { http } = await startTestServer();
    const plan = {
      tasks: [
        { id: 'a', description: 'a' },
        { id: 'b', description: 'b', dependencies: ['a'] },
      ],
    };
    expect((await http.post('/api/v1/plans', { plan: JSON.stringify(plan), project: 'json' })).status).toBe(201);
    expect((await http.post('/api/v1/plans', { plan, project: 'object' })).status).toBe(201);
    expect((await http.get('/api/v1/tasks?project=json')).body.tasks).toHaveLength(2);
    expect((await http.get('/api/v1/tasks?project=object')).body.tasks).toHaveLength(2);
  });

  it('dryRun previews the graph and adds nothing', async () => {
    const { http } = await startTestServer();
    const res = await http.post('/api/v1/plans', {
      plan: RELEASE,
      prefix: 'rel-1/',
      parameters: { version: '1.0.0' },
      dryRun: true,
    });
    expect(res.status).toBe(200);
    expect(res.body.dryRun).toBe(true);
    expect(res.body.created).toEqual([]);
    expect(res.body.tasks.map((t: { id: string }) => t.id)).toEqual([
      'rel-1/changelog',
      'rel-1/bump',
      'rel-1/test',
      'rel-1/bench',
      'rel-1/publish',
    ]);
    expect(res.body.tasks[0].description).toBe('Write the changelog for 1.0.0 from the merged pull requests on main');
    expect(res.body.edges).toContainEqual({ from: 'rel-1/test', to: 'rel-1/publish' });
    expect((await http.get('/api/v1/tasks')).body.tasks).toEqual([]);
  });

  it('a plan with a cycle is rejected whole, naming the entry and its line', async () => {
    const { http } = await startTestServer();
    const plan = `tasks:
  - id: a
    description: a
    dependencies: [c]
  - id: b
    description: b
    dependencies: [a]
  - id: c
    description: c
    dependencies: [b]
  - id: free
    description: no dependencies
`;
    const res = await http.post('/api/v1/plans', { plan });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('DEPENDENCY_CYCLE');
    expect(res.body.error.message).toContain('tasks[0].dependencies (line 4)');
    expect(res.body.error.details.cycle).toEqual(['a', 'c', 'b', 'a']);
    expect((await http.get('/api/v1/tasks')).body.tasks).toEqual([]);
  });

  it('an unknown dependency is rejected whole, naming every entry that needs it', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', { id: 'existing', description: 'already on the board' });
    const plan = `tasks:
  - id: ok
    description: depends on a task on the board
    dependencies: [existing]
  - id: bad
    description: depends on nothing known
    dependencies: [existing, ghost]
`;
    const res = await http.post('/api/v1/plans', { plan });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('UNKNOWN_DEPENDENCY');
    expect(res.body.error.details.issues).toEqual([
      {
        path: 'tasks[1].dependencies[1]',
        line: 7,
        message: 'depends on ghost, which is neither a plan entry nor a task on the board',
      },
    ]);
    expect((await http.get('/api/v1/tasks')).body.tasks.map((t: { id: string }) => t.id)).toEqual(['existing']);
  });

  it('field errors, duplicates, bad YAML and missing parameters name their entry and line', async () => {
    const { http } = await startTestServer();
    const reject = async (body: Record<string, unknown>) => {
      const res = await http.post('/api/v1/plans', body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      return res.body.error as {
        message: string;
        details: { issues: Array<{ path: string; line: number | null; message: string }> };
      };
    };
    let error = await reject({
      plan: 'tasks:\n  - id: a\n    description: a\n  - id: b\n    description: b\n    priority: high\n',
    });
    expect(error.details.issues[0]).toMatchObject({ path: 'tasks[1].priority', line: 6 });
    error = await reject({ plan: 'tasks:\n  - id: a\n    description: a\n  - id: a\n    description: again\n' });
    expect(error.details.issues[0]).toMatchObject({
      path: 'tasks[1].id',
      line: 4,
      message: 'id a is used again (first at tasks[0])',
    });
    error = await reject({ plan: 'tasks:\n  - id: a\n    description: [unclosed\n' });
    // An unclosed flow sequence is reported where the parser ran out of input: the line after it.
    expect(error.details.issues[0]?.line).toBe(4);
    error = await reject({ plan: 'tasks:\n  - id: a\n    descripton: typo\n' });
    expect(error.details.issues.map((i) => i.path)).toContain('tasks[0]');
    error = await reject({ plan: RELEASE, prefix: 'rel/' });
    expect(error.details.issues[0]).toMatchObject({
      path: 'parameters.version',
      message: 'parameter version needs a value',
    });
    error = await reject({ plan: 'tasks:\n  - id: a\n    description: uses {{nothing}}\n' });
    expect(error.details.issues[0]).toMatchObject({ path: 'tasks[0].description', line: 3 });
    error = await reject({ plan: PLAN, prefix: 'bad prefix' });
    expect(error.details.issues[0]?.path).toBe('prefix');
    expect((await http.get('/api/v1/tasks')).body.tasks).toEqual([]);
  });

  it('a template started twice gives two independent graphs', async () => {
    const { http } = await startTestServer({ slots: 10 });
    for (const [prefix, version] of [
      ['rel-1/', '1.0.0'],
      ['rel-2/', '2.0.0'],
    ]) {
      const res = await http.post('/api/v1/plans', {
        plan: RELEASE,
        prefix,
        parameters: { version, branch: `release-${version}` },
      });
      expect(res.status).toBe(201);
      expect(res.body.created).toHaveLength(5);
    }
    const claim = async (taskId: string) => {
      const { body } = await http.post('/api/v1/slots', { workerId: `w-${taskId}` });
      expect(
        (
          await http.post(`/api/v1/tasks/${encodeURIComponent(taskId)}/claim`, {
            workerId: `w-${taskId}`,
            slot: body.slot.slot,
          })
        ).status,
      ).toBe(200);
      expect(
        (await http.post(`/api/v1/tasks/${encodeURIComponent(taskId)}/complete`, { workerId: `w-${taskId}` })).status,
      ).toBe(200);
    };
    await claim('rel-1/bump');
    const status = async (id: string) => (await http.get(`/api/v1/tasks/${encodeURIComponent(id)}`)).body.task.status;
    expect(await status('rel-1/test')).toBe('available');
    expect(await status('rel-2/test')).toBe('blocked');
    expect((await http.get(`/api/v1/tasks/${encodeURIComponent('rel-2/bump')}`)).body.task.description).toContain(
      '2.0.0 in every package.json on release-2.0.0',
    );
    expect((await http.get(`/api/v1/tasks/${encodeURIComponent('rel-1/publish')}`)).body.task.dependencies).toEqual([
      'rel-1/bench',
      'rel-1/changelog',
      'rel-1/test',
    ]);
  });
});

describe('task-coordinator-server import-plan', () => {
  it('loads the example template from docs, previews with --dry-run, and reports errors with lines', async () => {
    const db = tempDb();
    const planFile = join(root, 'docs', 'plans', 'release.yaml');
    const preview = await runCli([
      'import-plan',
      planFile,
      '--db',
      db,
      '--prefix',
      'r1/',
      '--param',
      'version=1.0.0',
      '--dry-run',
    ]);
    expect(preview.stderr).toBe('');
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('release: 5 tasks, 5 dependencies, project default (dry run: nothing added)');
    expect(preview.stdout).toContain('r1/publish ← r1/changelog, r1/test, r1/bench');

    const loaded = await runCli([
      'import-plan',
      planFile,
      '--db',
      db,
      '--prefix',
      'r1/',
      '--param',
      'version=1.0.0',
      '--project',
      'ops',
    ]);
    expect(loaded.code).toBe(0);
    expect(loaded.stdout).toContain('added 5');
    const store = await openSqliteStore({ file: db });
    try {
      expect((await store.listTasks({ project: 'ops' })).tasks.map((t) => t.id)).toEqual([
        'r1/changelog',
        'r1/bump',
        'r1/test',
        'r1/bench',
        'r1/publish',
      ]);
    } finally {
      await store.close();
    }

    const missing = await runCli(['import-plan', planFile, '--db', db, '--prefix', 'r2/']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'VALIDATION_FAILED: plan rejected: parameters.version (line 13): parameter version needs a value',
    );
  }, 60_000);

  it('into the file of a running server: a waiting agent gets the first task, and every list shows them', async () => {
    const server = await startTestServer();
    const { http } = server;
    // Lists answered from the snapshot before the import: they must not stay stale after it.
    expect((await http.get('/api/available-tasks')).body).toEqual({ success: true, tasks: [] });
    expect((await http.get('/api/v1/tasks')).body.tasks).toEqual([]);
    const waiting = http.post('/api/v1/claim-next', { workerId: 'agent', wait: 30 });
    await longPollsWaiting(http, 1);

    const plan = join(dirname(server.config.db), `running-${process.pid}.yaml`);
    writeFileSync(plan, PLAN);
    const loaded = await runCli(['import-plan', plan, '--db', server.config.db]);
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout).toContain('added 3');

    const claimed = await waiting;
    expect(claimed.status).toBe(200);
    expect(claimed.body.task).toMatchObject({ id: 'schema', status: 'claimed', worker: 'agent' });
    await eventually(async () => (await http.get('/api/v1/tasks')).body.tasks.length === 3, 10_000);
    expect((await http.get('/api/all-tasks')).body.tasks.map((t: { id: string }) => t.id)).toEqual([
      'schema',
      'api',
      'ui',
    ]);
    // Their events reach the event log's readers once each, in order, with the claim after them.
    const events = (await http.get('/api/v1/events?limit=100')).body.events as Array<{ type: string }>;
    expect(events.map((e) => e.type)).toEqual([
      'task.added',
      'task.added',
      'task.added',
      'slot.claimed',
      'task.claimed',
    ]);
  }, 60_000);
});
