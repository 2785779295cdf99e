// tcx and file reservations against a real server: add --files and files in a batch, reserve / --release / --check /
// --list with their exit codes, and show with files, reservations and why a task waits.
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/index.js';
import { server, stable, tcx } from './helpers.js';

const A = { env: { TASK_COORDINATOR_WORKER_ID: 'agent-a' } };
const B = { env: { TASK_COORDINATOR_WORKER_ID: 'agent-b' } };

describe('tcx add --files and files in a batch', () => {
  it('declares the files a task will touch, normalised; show lists them', async () => {
    const s = await server();
    const added = await tcx(s.apiUrl, [
      'add',
      'Rework login',
      '--id',
      'auth',
      '--files',
      './src/auth/**,docs//auth.md',
    ]);
    expect(added).toMatchObject({ code: 0, stdout: 'added auth ◇ available\n' });
    await tcx(s.apiUrl, ['add'], {
      stdin: '[{"id":"ui","description":"Restyle","files":["web/**"]},{"id":"plain","description":"No files"}]',
    });
    const auth = JSON.parse((await tcx(s.apiUrl, ['show', 'auth', '--json'])).stdout);
    expect(auth.task.files).toEqual(['src/auth/**', 'docs/auth.md']);
    const ui = JSON.parse((await tcx(s.apiUrl, ['show', 'ui', '--json'])).stdout);
    expect(ui.task.files).toEqual(['web/**']);
    expect(JSON.parse((await tcx(s.apiUrl, ['show', 'plain', '--json'])).stdout).task.files).toEqual([]);
    expect((await tcx(s.apiUrl, ['show', 'auth'])).stdout).toContain('files       src/auth/**, docs/auth.md\n');
  });

  it('bad patterns are refused with VALIDATION_FAILED (exit 2) and nothing is added', async () => {
    const s = await server();
    for (const bad of ['../etc/passwd', '/abs/path', 'src/../../x'])
      expect((await tcx(s.apiUrl, ['add', 'Bad', '--id', 'bad', '--files', bad])).code).toBe(EXIT.USAGE);
    expect((await tcx(s.apiUrl, ['add', '--files', 'x'], { stdin: 'A task\n' })).code).toBe(EXIT.USAGE);
    expect(JSON.parse((await tcx(s.apiUrl, ['ls', '--json'])).stdout).tasks).toEqual([]);
  });
});

describe('tcx reserve', () => {
  it('reserves for a held task, conflicts exit 4 naming the holder, --check and --list, --release', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add'], { stdin: '[{"id":"auth","description":"Login"},{"id":"api","description":"API"}]' });
    await tcx(s.apiUrl, ['claim', 'auth'], A);
    await tcx(s.apiUrl, ['claim', 'api'], B);

    const reserved = await tcx(s.apiUrl, ['reserve', 'auth', 'src/auth/**', '--reason', 'login rework'], A);
    expect(reserved.code, reserved.stderr).toBe(0);
    expect(stable(reserved.stdout)).toBe(
      'auth holds 1 reservation(s):\n  src/auth/**  exclusive  agent-a  since <time>  (login rework)\n',
    );

    // B cannot take an overlapping pattern: exit 4, the conflict named, nothing granted (all-or-nothing).
    const refused = await tcx(s.apiUrl, ['reserve', 'api', 'src/api/**', 'src/auth/login.ts'], B);
    expect(refused.code).toBe(EXIT.CONFLICT);
    expect(refused.stderr).toMatch(/^FILES_CONFLICT: /);
    const json = JSON.parse((await tcx(s.apiUrl, ['reserve', 'api', 'src/auth/*.ts', '--json'], B)).stderr);
    expect(json.error.details.conflicts[0]).toMatchObject({
      pattern: 'src/auth/*.ts',
      heldPattern: 'src/auth/**',
      worker: 'agent-a',
      taskId: 'auth',
    });
    expect(JSON.parse((await tcx(s.apiUrl, ['reserve', '--list', '--task', 'api', '--json'])).stdout)).toEqual({
      reservations: [],
    });

    // Shared: B may take README.md shared, and agent-a's check of it is still free to edit for nobody else.
    const shared = await tcx(s.apiUrl, ['reserve', 'api', 'README.md', '--shared'], B);
    expect(shared.stdout).toContain('README.md  shared  agent-b');

    const checked = await tcx(s.apiUrl, ['reserve', '--check', 'src/auth/login.ts', 'src/other.ts'], B);
    expect(checked.code).toBe(EXIT.CONFLICT);
    expect(stable(checked.stdout)).toBe(
      'src/auth/login.ts  held by agent-a (src/auth/**, exclusive reservation of task auth, since <time>)\n' +
        'src/other.ts       free\n',
    );
    expect((await tcx(s.apiUrl, ['reserve', '--check', 'src/auth/login.ts'], A)).code).toBe(0);

    const listed = stable((await tcx(s.apiUrl, ['reserve'])).stdout);
    expect(listed).toContain('src/auth/**  exclusive  agent-a  task auth  since <time>  (login rework)\n');
    expect(listed).toContain('README.md  shared  agent-b  task api  since <time>\n');
    expect((await tcx(s.apiUrl, ['reserve', '--list', '--holder', 'agent-b', '--json'])).stdout).not.toContain(
      'agent-a',
    );

    // Only the holder releases; then B's check is free.
    expect((await tcx(s.apiUrl, ['reserve', '--release', 'auth'], B)).code).not.toBe(0);
    expect((await tcx(s.apiUrl, ['reserve', '--release', 'auth'], A)).stdout).toBe(
      'released src/auth/** (task auth)\n',
    );
    expect((await tcx(s.apiUrl, ['reserve', '--check', 'src/auth/login.ts'], B)).code).toBe(0);
  });

  it('reservations go with the task: done releases them; show lists them while held', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add', 'Login', '--id', 'auth']);
    await tcx(s.apiUrl, ['claim', 'auth'], A);
    await tcx(s.apiUrl, ['reserve', 'auth', 'src/auth/**', 'docs/auth.md'], A);
    const shown = stable((await tcx(s.apiUrl, ['show', 'auth'])).stdout);
    expect(shown).toContain('Reservations (2)\n');
    expect(shown).toContain('\n  src/auth/**  exclusive  agent-a  since <time>\n');
    expect(shown).toContain('\n  docs/auth.md  exclusive  agent-a  since <time>\n');
    await tcx(s.apiUrl, ['done', 'auth'], A);
    expect(JSON.parse((await tcx(s.apiUrl, ['reserve', '--json'])).stdout)).toEqual({ reservations: [] });
    expect((await tcx(s.apiUrl, ['show', 'auth'])).stdout).not.toContain('Reservations');
  });

  it('show says why an available task waits: its files are held by another worker', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add'], {
      stdin: JSON.stringify([
        { id: 'one', description: 'First', files: ['src/auth/**'], priority: 2 },
        { id: 'two', description: 'Second', files: ['src/auth/login.ts'] },
      ]),
    });
    expect((await tcx(s.apiUrl, ['claim', '-q'], A)).stdout).toBe('one\n');
    const two = JSON.parse((await tcx(s.apiUrl, ['show', 'two', '--json'])).stdout);
    expect(two.task.blockedBy).toMatchObject({ worker: 'agent-a', taskId: 'one', heldPattern: 'src/auth/**' });
    expect(stable((await tcx(s.apiUrl, ['show', 'two'])).stdout)).toMatch(
      /blocked by {2}waiting for src\/auth\/\*\* .*held by agent-a on task one since <time>\n/,
    );
    expect((await tcx(s.apiUrl, ['claim'], B)).code).toBe(EXIT.NO_WORK);
  });

  it('usage mistakes exit 2 before anything is sent', async () => {
    const url = 'http://127.0.0.1:1';
    for (const args of [
      ['reserve', 'auth'],
      ['reserve', '--check'],
      ['reserve', '--release'],
      ['reserve', '--check', '--release', 'x'],
      ['reserve', '--release', 'auth', '--shared'],
      ['reserve', 'auth', 'x', '--task', 'y'],
    ])
      expect((await tcx(url, args)).code, args.join(' ')).toBe(EXIT.USAGE);
  });
});

describe('tcx prime and file reservations', () => {
  it("lists the files this worker holds for its tasks, and not another worker's", async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add'], {
      stdin: '[{"id":"auth","description":"Rework login"},{"id":"ui","description":"Restyle"}]',
    });
    await tcx(s.apiUrl, ['claim', 'auth'], A);
    await tcx(s.apiUrl, ['claim', 'ui'], B);
    expect((await tcx(s.apiUrl, ['prime'], A)).stdout).toContain('## Your file reservations (0)\n- none');
    expect((await tcx(s.apiUrl, ['reserve', 'auth', 'src/auth/**', '--reason', 'login rework'], A)).code).toBe(0);
    expect((await tcx(s.apiUrl, ['reserve', 'ui', 'web/**', '--shared'], B)).code).toBe(0);
    const text = (await tcx(s.apiUrl, ['prime'], A)).stdout;
    expect(text).toContain('## Your file reservations (1)\n- src/auth/** exclusive for task auth (login rework)\n');
    expect(text).not.toContain('web/**');
    expect(text).toContain('reserve_files');
    // Done: the task and its reservations are gone from the briefing.
    await tcx(s.apiUrl, ['done', 'auth'], A);
    expect((await tcx(s.apiUrl, ['prime'], A)).stdout).not.toContain('## Your file reservations');
  });
});
