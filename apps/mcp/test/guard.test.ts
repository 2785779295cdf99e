// The reservation guard: its pure decisions, then `guard` run as Claude Code runs a PreToolUse hook (JSON on stdin,
// the decision on stdout) and as a git pre-commit hook, against a real server on port 0.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from 'task-coordinator-server';
import {
  denyReason,
  editedFile,
  failModeOf,
  preCommitScript,
  repoRelative,
  runGuard,
  type DenyDecision,
} from '../src/index.js';
import { cli, server } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tc-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const repo = join(dir, 'repo');
mkdirSync(join(repo, 'src', 'auth'), { recursive: true });

interface Guarded {
  code: number;
  stdout: string;
  stderr: string;
}

/** The guard in this process: `input` as the hook's stdin, `worker` as the agent. */
async function guard(
  url: string,
  input: unknown,
  worker: string,
  extra: { args?: string[]; env?: Record<string, string>; cwd?: string } = {},
): Promise<Guarded> {
  let stdout = '';
  let stderr = '';
  const code = await runGuard({
    args: extra.args ?? [],
    env: { TASK_COORDINATOR_URL: url, TASK_COORDINATOR_WORKER_ID: worker, TASK_COORDINATOR_ROOT: repo, ...extra.env },
    cwd: extra.cwd ?? repo,
    readStdin: async () => (typeof input === 'string' ? input : JSON.stringify(input)),
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

const edit = (file: string, tool = 'Edit') => ({
  session_id: 's',
  hook_event_name: 'PreToolUse',
  tool_name: tool,
  tool_input:
    tool === 'NotebookEdit'
      ? { notebook_path: file, new_source: 'x' }
      : { file_path: file, old_string: 'a', new_string: 'b' },
  cwd: repo,
});

async function rest(s: RunningServer, method: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${s.apiUrl}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A board where agent-a holds task `auth` with `src/auth/**` reserved, and agent-c works on `ui` declaring `web/**`. */
async function board(): Promise<RunningServer> {
  const s = await server();
  await s.store.addTasks({
    tasks: [
      { id: 'auth', description: 'Rework login' },
      { id: 'ui', description: 'Restyle', files: ['web/**'] } as never,
    ],
  });
  for (const [worker, taskId] of [
    ['agent-a', 'auth'],
    ['agent-c', 'ui'],
  ] as const) {
    const { slot } = await s.store.claimSlot({ workerId: worker });
    await s.store.claimTask({ taskId, workerId: worker, slot: slot.slot });
  }
  await rest(s, 'POST', '/tasks/auth/reservations', {
    workerId: 'agent-a',
    patterns: ['src/auth/**'],
    reason: 'login rework',
  });
  return s;
}

const decision = (out: Guarded) => JSON.parse(out.stdout) as DenyDecision;

describe('guard decisions (pure)', () => {
  it('finds the edited file of each guarded tool, relative paths against the hook cwd; other tools pass', () => {
    expect(editedFile(edit('/r/a.ts'), '/x')).toBe('/r/a.ts');
    expect(editedFile({ tool_name: 'Write', tool_input: { file_path: 'src/a.ts' }, cwd: '/r' }, '/x')).toBe(
      '/r/src/a.ts',
    );
    expect(editedFile(edit('/r/n.ipynb', 'NotebookEdit'), '/x')).toBe('/r/n.ipynb');
    expect(editedFile({ tool_name: 'MultiEdit', tool_input: { file_path: 'b.ts' } }, '/x')).toBe('/x/b.ts');
    expect(editedFile({ tool_name: 'Bash', tool_input: { command: 'rm -rf src' } } as never, '/x')).toBeNull();
    expect(editedFile({ tool_name: 'Edit', tool_input: {} }, '/x')).toBeNull();
  });

  it('makes paths repo-relative with forward slashes, through symbolic links; outside the repo is null', () => {
    expect(repoRelative(repo, join(repo, 'src', 'auth', 'login.ts'))).toBe('src/auth/login.ts');
    expect(repoRelative(repo, join(repo, 'new', 'dir', 'file.ts'))).toBe('new/dir/file.ts');
    expect(repoRelative(repo, join(dir, 'elsewhere.ts'))).toBeNull();
    expect(repoRelative(repo, repo)).toBeNull();
    const link = join(dir, 'link');
    symlinkSync(repo, link);
    expect(repoRelative(repo, join(link, 'src', 'auth', 'x.ts'))).toBe('src/auth/x.ts');
  });

  it('the reason names the path, the holder, the pattern and the task', () => {
    const reason = denyReason({
      path: 'src/auth/login.ts',
      free: false,
      holders: [
        { pattern: 'src/auth/**', mode: 'exclusive', worker: 'agent-a', taskId: 't1', since: 0, kind: 'reservation' },
      ],
    });
    expect(reason).toContain(
      'src/auth/login.ts is held by agent-a (pattern src/auth/**, exclusive reservation for task t1, since 1970-01-01T00:00:00Z)',
    );
  });

  it('fails open unless --fail-closed or TASK_COORDINATOR_GUARD=closed', () => {
    expect(failModeOf([], {})).toBe('open');
    expect(failModeOf(['--fail-closed'], {})).toBe('closed');
    expect(failModeOf([], { TASK_COORDINATOR_GUARD: 'closed' })).toBe('closed');
    expect(failModeOf(['--fail-open'], { TASK_COORDINATOR_GUARD: 'closed' })).toBe('open');
  });
});

describe('guard as the PreToolUse hook', () => {
  it("denies another worker's edit of a reserved file with the holder, pattern and task; the holder's passes", async () => {
    const s = await board();
    const login = join(repo, 'src', 'auth', 'login.ts');
    const denied = await guard(s.apiUrl, edit(login), 'agent-b');
    expect(denied.code).toBe(0);
    const out = decision(denied);
    expect(out.hookSpecificOutput).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'deny' });
    expect(out.hookSpecificOutput.permissionDecisionReason).toMatch(
      /^Task Coordinator: src\/auth\/login\.ts is held by agent-a \(pattern src\/auth\/\*\*, exclusive reservation for task auth, since /,
    );
    for (const tool of ['Write', 'MultiEdit'])
      expect((await guard(s.apiUrl, edit(login, tool), 'agent-b')).stdout).toContain('"deny"');
    expect(await guard(s.apiUrl, edit(login), 'agent-a')).toEqual({ code: 0, stdout: '', stderr: '' });
    // Nobody holds src/api; a path outside the repository is never checked.
    expect(await guard(s.apiUrl, edit(join(repo, 'src', 'api', 'x.ts')), 'agent-b')).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect(await guard('http://127.0.0.1:9', edit(join(dir, 'notes.md')), 'agent-b')).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
  });

  it("a task's declared files count as held by the worker on it", async () => {
    const s = await board();
    const out = await guard(s.apiUrl, edit(join(repo, 'web', 'app.ipynb'), 'NotebookEdit'), 'agent-b');
    expect(decision(out).hookSpecificOutput.permissionDecisionReason).toContain(
      'held by agent-c (pattern web/**, declared in the files of task ui',
    );
    expect((await guard(s.apiUrl, edit(join(repo, 'web', 'app.ipynb'), 'NotebookEdit'), 'agent-c')).stdout).toBe('');
  });

  it('once the holder finishes its task, the file is free', async () => {
    const s = await board();
    await s.store.completeTask({ taskId: 'auth', workerId: 'agent-a', output: 'done' });
    const out = await guard(s.apiUrl, edit(join(repo, 'src', 'auth', 'login.ts')), 'agent-b');
    expect(out).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('server unreachable: the edit passes with a warning on stderr, or is denied when set to fail closed', async () => {
    const login = edit(join(repo, 'src', 'auth', 'login.ts'));
    const open = await guard('http://127.0.0.1:9', login, 'agent-b');
    expect(open.stdout).toBe('');
    expect(open.stderr).toMatch(
      /^task-coordinator guard: src\/auth\/login\.ts not checked, edit allowed \(SERVER_UNAVAILABLE/,
    );
    for (const closed of [
      await guard('http://127.0.0.1:9', login, 'agent-b', { args: ['--fail-closed'] }),
      await guard('http://127.0.0.1:9', login, 'agent-b', { env: { TASK_COORDINATOR_GUARD: 'closed' } }),
    ])
      expect(decision(closed).hookSpecificOutput.permissionDecisionReason).toContain('cannot check');
  });

  it('a path the server cannot check (a name starting with "!") passes with a warning, even failing closed', async () => {
    const s = await board();
    const odd = await guard(s.apiUrl, edit(join(repo, '!odd.ts')), 'agent-b', {
      args: ['--fail-closed'],
    });
    expect(odd.stdout).toBe('');
    expect(odd.stderr).toContain('not checked, edit allowed (VALIDATION_FAILED');
  });

  it('runs as its own process: stdin in, only the decision on stdout', async () => {
    const s = await board();
    const child = spawn(process.execPath, ['--conditions=@task-coordinator/source', '--import', 'tsx', cli, 'guard'], {
      // The repository is the hook input's cwd (not a git work tree here: the folder itself is the root).
      env: { ...process.env, TASK_COORDINATOR_URL: s.apiUrl, TASK_COORDINATOR_WORKER_ID: 'agent-b' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stdin.end(JSON.stringify(edit(join(repo, 'src', 'auth', 'login.ts'))));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(decision({ code: 0, stdout, stderr: '' }).hookSpecificOutput.permissionDecision).toBe('deny');
  });
});

describe('guard --git-pre-commit', () => {
  it('refuses a commit with a staged file another worker holds, naming it; lets the holder commit', async () => {
    const s = await board();
    const work = join(dir, 'git-repo');
    mkdirSync(join(work, 'src', 'auth'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: work, stdio: 'ignore' });
    git('init', '-q');
    writeFileSync(join(work, 'src', 'auth', 'login.ts'), 'export {};\n');
    writeFileSync(join(work, 'README.md'), '# r\n');
    git('add', 'README.md', 'src/auth/login.ts');
    // From a subfolder, as git runs the hook from the top level: paths are the top level's either way.
    const env = { TASK_COORDINATOR_ROOT: '' };
    const cwd = join(work, 'src');
    const refused = await guard(s.apiUrl, '', 'agent-b', { args: ['--git-pre-commit'], env, cwd });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('a staged file is held by another worker:\n  src/auth/login.ts: held by agent-a');
    expect(refused.stderr).not.toContain('README.md');
    expect(await guard(s.apiUrl, '', 'agent-a', { args: ['--git-pre-commit'], env, cwd })).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    const down = await guard('http://127.0.0.1:9', '', 'agent-b', { args: ['--git-pre-commit'], env, cwd });
    expect(down.code).toBe(0);
    expect(down.stderr).toContain('commit allowed');
    expect(
      (await guard('http://127.0.0.1:9', '', 'agent-b', { args: ['--git-pre-commit', '--fail-closed'], env, cwd }))
        .code,
    ).toBe(1);
  });

  it('the script config --hooks prints, installed as .git/hooks/pre-commit, stops a real git commit', async () => {
    const s = await board();
    const work = join(dir, 'hooked-repo');
    mkdirSync(join(work, 'src', 'auth'), { recursive: true });
    // Asynchronous: the server answering the hook runs in this process.
    const git = (worker: string, ...args: string[]) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
          cwd: work,
          env: { ...process.env, TASK_COORDINATOR_WORKER_ID: worker, TASK_COORDINATOR_URL: s.apiUrl },
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (status) => resolve({ status, stderr }));
      });
    await git('x', 'init', '-q');
    // The built client of this checkout (CI builds before testing), as config --hooks prints it from a clone.
    const hook = join(work, '.git', 'hooks', 'pre-commit');
    writeFileSync(
      hook,
      preCommitScript({ url: s.apiUrl, token: null, client: join(dirname(dirname(cli)), 'dist', 'cli.js') }),
    );
    chmodSync(hook, 0o755);
    writeFileSync(join(work, 'src', 'auth', 'login.ts'), 'export {};\n');
    await git('x', 'add', 'src/auth/login.ts');
    const refused = await git('agent-b', 'commit', '-q', '-m', 'b edits login');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('src/auth/login.ts: held by agent-a (pattern src/auth/**');
    const holder = await git('agent-a', 'commit', '-q', '-m', 'a edits login');
    expect(holder.status, holder.stderr).toBe(0);
  });
});
