// tcx's board commands against a real server: add (flags and stdin batches), ls, ready, show, graph, stats, plan.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { server, stable, tcx } from './helpers.js';

const BOARD = [
  { id: 'schema', description: 'Design the database schema' },
  { id: 'api', description: 'Write the REST API', dependencies: ['schema'], priority: 2 },
  {
    id: 'ui',
    description: 'Build the UI on the API, with a long description that will not fit',
    dependencies: ['api'],
  },
  { id: 'docs', description: 'Document everything', dependencies: ['api', 'schema'], labels: ['writing'] },
  { id: 'ops', description: 'Set up deployment' },
];

async function board() {
  const s = await server();
  const added = await tcx(s.apiUrl, ['add', '--json'], { stdin: JSON.stringify(BOARD) });
  expect(added.code).toBe(0);
  return s;
}

describe('tcx add', () => {
  it('adds one task from flags; --json answers the created task', async () => {
    const s = await board();
    const r = await tcx(s.apiUrl, [
      'add',
      'Write',
      'tests',
      '--id',
      'tests',
      '-d',
      'api',
      '-p',
      '3',
      '-l',
      'qa,ci',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.created).toEqual(['tests']);
    expect(body.tasks[0]).toMatchObject({
      id: 'tests',
      description: 'Write tests',
      dependencies: ['api'],
      priority: 3,
      labels: ['ci', 'qa'],
      status: 'blocked',
    });
  });

  it('reads a batch from stdin as a JSON array, {"tasks"}, JSON Lines or plain lines', async () => {
    const s = await server();
    expect((await tcx(s.apiUrl, ['add'], { stdin: '{"tasks":[{"id":"a","description":"A"}]}' })).stdout).toBe(
      'added a ◇ available\n',
    );
    const lines = await tcx(s.apiUrl, ['add', '--json'], {
      stdin: '{"id":"b","description":"B","dependencies":["a"]}\n{"id":"c","description":"C"}\n',
    });
    expect(JSON.parse(lines.stdout).created).toEqual(['b', 'c']);
    const plain = await tcx(s.apiUrl, ['add', '--json'], { stdin: 'first thing\nsecond thing\n' });
    expect(JSON.parse(plain.stdout).tasks.map((t: { description: string }) => t.description)).toEqual([
      'first thing',
      'second thing',
    ]);
  });

  it('bad input: exit 2 with the code and the remedy, and nothing is added', async () => {
    const s = await board();
    const unknown = await tcx(s.apiUrl, ['add', 'x', '--id', 'x', '--deps', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('UNKNOWN_DEPENDENCY');
    expect(unknown.stderr).toContain('→ Add the missing tasks first');
    expect((await tcx(s.apiUrl, ['add', 'x', '--id', 'bad id!'])).stderr).toMatch(/^VALIDATION_FAILED: .*\n→ Fix/);
    expect((await tcx(s.apiUrl, ['add', 'x', '-p', 'high'])).stderr).toContain('--priority must be a whole number');
    expect((await tcx(s.apiUrl, ['add'], { stdin: '[{"id": ' })).stderr).toContain('stdin is not valid JSON');
    expect((await tcx(s.apiUrl, ['add'])).code).toBe(2);
    const exists = await tcx(s.apiUrl, ['add', 'something else', '--id', 'api']);
    expect(exists.code).toBe(4);
    expect(exists.stderr).toContain('TASK_EXISTS');
    const json = await tcx(s.apiUrl, ['add', 'x', '--id', 'x', '--deps', 'nope', '--json']);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'UNKNOWN_DEPENDENCY', remedy: expect.any(String) });
    const ls = JSON.parse((await tcx(s.apiUrl, ['ls', '--json'])).stdout);
    expect(ls.tasks.map((t: { id: string }) => t.id)).toEqual(BOARD.map((t) => t.id));
  });
});

describe('tcx ls, ready, show, graph, stats', () => {
  it('ls: a table that fits the terminal width', async () => {
    const s = await board();
    const r = await tcx(s.apiUrl, ['ls'], { columns: 80 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "ID      STATUS       PRI  DEPS        DESCRIPTION
      schema  ◇ available                   Design the database schema
      api     ○ blocked      2  schema      Write the REST API
      ui      ○ blocked         api         Build the UI on the API, with a long de…
      docs    ○ blocked         api,schema  Document everything
      ops     ◇ available                   Set up deployment
      "
    `);
    for (const line of r.stdout.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    const narrow = await tcx(s.apiUrl, ['ls'], { columns: 50 });
    for (const line of narrow.stdout.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(50);
  });

  it('ls filters and --json parsed back', async () => {
    const s = await board();
    const blocked = JSON.parse((await tcx(s.apiUrl, ['ls', '-s', 'blocked', '--json'])).stdout);
    expect(blocked.tasks.map((t: { id: string }) => t.id)).toEqual(['api', 'ui', 'docs']);
    expect(blocked.more).toBe(false);
    const labelled = JSON.parse((await tcx(s.apiUrl, ['ls', '--label', 'writing', '--json'])).stdout);
    expect(labelled.tasks.map((t: { id: string }) => t.id)).toEqual(['docs']);
    const limited = JSON.parse((await tcx(s.apiUrl, ['ls', '-n', '2', '--json'])).stdout);
    expect(limited).toMatchObject({ more: true });
    expect(limited.tasks).toHaveLength(2);
    const bad = await tcx(s.apiUrl, ['ls', '--status', 'sleeping']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('VALIDATION_FAILED');
  });

  it('ready lists available tasks in claim order (priority first)', async () => {
    const s = await board();
    await tcx(s.apiUrl, ['add', 'Urgent', '--id', 'urgent', '-p', '9']);
    const r = JSON.parse((await tcx(s.apiUrl, ['ready', '--json'])).stdout);
    expect(r.tasks.map((t: { id: string }) => t.id)).toEqual(['urgent', 'schema', 'ops']);
  });

  it('graph draws the DAG with statuses; graph <id> only its neighbourhood', async () => {
    const s = await board();
    await tcx(s.apiUrl, ['claim', 'schema']);
    const r = await tcx(s.apiUrl, ['graph'], { columns: 80 });
    expect(r.stdout).toMatchInlineSnapshot(`
      "◔ schema [claimed cli-test]  Design the database schema
      ├─▶ ○ api [blocked]  Write the REST API
      │   ├─▶ ○ ui [blocked]  Build the UI on the API, with a long description that w…
      │   └─▶ ○ docs [blocked] after api, schema  Document everything
      └─▶ ○ docs ↑ (above)
      ◇ ops [available]  Set up deployment
      "
    `);
    const focus = await tcx(s.apiUrl, ['graph', 'ui'], { columns: 80 });
    expect(focus.stdout).toContain('ui');
    expect(focus.stdout).not.toContain('ops');
    expect(focus.stdout).not.toContain('docs');
    const json = JSON.parse((await tcx(s.apiUrl, ['graph', '--json'])).stdout);
    expect(json.edges).toContainEqual({ from: 'schema', to: 'docs' });
    expect(json.nodes).toHaveLength(5);
    expect((await tcx(s.apiUrl, ['graph', 'missing'])).code).toBe(3);
  });

  it('show: description, output, dependencies, dependents and history', async () => {
    const s = await board();
    await tcx(s.apiUrl, ['claim', 'schema']);
    await tcx(s.apiUrl, ['done', 'schema', '--output', 'schema.sql written']);
    const r = await tcx(s.apiUrl, ['show', 'schema']);
    expect(r.code).toBe(0);
    const text = stable(r.stdout);
    for (const part of [
      'schema  ● done',
      'Description\n  Design the database schema',
      'Output\n  schema.sql written',
      'Needed by (2)\n  ◇ api [available]  Write the REST API\n  ○ docs [blocked]  Document everything',
      'History (3)',
      'task.completed  cli-test',
    ])
      expect(text).toContain(part);
    const json = JSON.parse((await tcx(s.apiUrl, ['show', 'api', '--json'])).stdout);
    expect(json.task).toMatchObject({ id: 'api', dependents: ['docs', 'ui'] });
    expect(json.history[0].type).toBe('task.added');
    const missing = await tcx(s.apiUrl, ['show', 'nope']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('TASK_NOT_FOUND');
  });

  it('stats counts tasks by status', async () => {
    const s = await board();
    const json = JSON.parse((await tcx(s.apiUrl, ['stats', '--json'])).stdout);
    expect(json.tasks).toMatchObject({ available: 2, blocked: 3 });
    const text = (await tcx(s.apiUrl, ['stats'])).stdout;
    expect(text).toContain('default: 5 tasks');
    expect(text).toMatch(/○ blocked +3/);
  });

  it('plan: checks a YAML plan, then loads it atomically; errors name the entry', async () => {
    const s = await server();
    const file = join(tmpdir(), `tcx-plan-${process.pid}.yaml`);
    writeFileSync(
      file,
      'name: release\ntasks:\n  - id: build\n    description: Build it\n  - id: ship\n    description: Ship it\n    dependencies: [build]\n',
    );
    const dry = await tcx(s.apiUrl, ['plan', file, '--dry-run']);
    expect(dry.stdout).toBe('plan "release": would add 2 tasks and 1 dependencies to default\n');
    expect(JSON.parse((await tcx(s.apiUrl, ['ls', '--json'])).stdout).tasks).toEqual([]);
    const loaded = await tcx(s.apiUrl, ['plan', file, '--prefix', 'v1-', '--json']);
    expect(JSON.parse(loaded.stdout).created).toEqual(['v1-build', 'v1-ship']);
    writeFileSync(file, 'tasks:\n  - id: a\n    description: A\n    dependencies: [zzz]\n');
    const bad = await tcx(s.apiUrl, ['plan', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('UNKNOWN_DEPENDENCY');
    expect((await tcx(s.apiUrl, ['plan', '/no/such/file.yaml'])).stderr).toContain('cannot read /no/such/file.yaml');
  });
});
