// `task-coordinator-mcp guard`: the Claude Code PreToolUse hook that refuses an edit of a file another worker
// holds, and `guard --git-pre-commit`, the same check on the staged files. Only the decision goes to stdout.
import { execFileSync } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import {
  commitConflicts,
  denyDecision,
  denyReason,
  editedFile,
  failModeOf,
  firstConflict,
  repoRelative,
  type CheckResponse,
  type HookInput,
} from './guard.js';
import { defaultWorkerId } from './worker-id.js';

export interface GuardIo {
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The hook's JSON (all of stdin). */
  readStdin: () => Promise<string>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The check route takes at most this many paths a call (the pattern limit). */
const CHUNK = 64;

const git = (cwd: string, args: string[]): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

/** TASK_COORDINATOR_ROOT, else the git top level of `cwd`, else `cwd` itself. */
export function repoRoot(cwd: string, env: NodeJS.ProcessEnv): string {
  const given = env.TASK_COORDINATOR_ROOT?.trim();
  if (given) return resolve(cwd, given);
  try {
    return git(cwd, ['rev-parse', '--show-toplevel']).trim() || cwd;
  } catch {
    return cwd;
  }
}

function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i !== -1 ? args[i + 1] : undefined;
}

/** Why a check could not be answered: the server's error code (VALIDATION_FAILED, UNAUTHORIZED, …) or unreachable. */
class Unchecked extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One POST /api/v1/reservations/check, with a plain fetch: this module stays off the core package's index and
 * the HTTP backend, so the hook starts fast.
 */
async function post(io: GuardIo, base: string, workerId: string, body: unknown): Promise<CheckResponse> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
  const token = io.env.TASK_COORDINATOR_TOKEN?.trim();
  if (token) headers.authorization = `Bearer ${token}`;
  if (/^[\x20-\x7e]+$/.test(workerId)) headers['x-worker-id'] = workerId;
  const timeoutMs = Number(io.env.TASK_COORDINATOR_GUARD_TIMEOUT_MS) || 5_000;
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/reservations/check`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (cause ?? (error as Error).message);
    throw new Unchecked('SERVER_UNAVAILABLE', `cannot reach the Task Coordinator server at ${base} (${why})`);
  }
  const parsed = (await res.json().catch(() => null)) as
    (CheckResponse & { error?: { code?: unknown; message?: unknown } }) | null;
  if (res.ok && Array.isArray(parsed?.results)) return parsed;
  const code = typeof parsed?.error?.code === 'string' ? parsed.error.code : 'SERVER_UNAVAILABLE';
  const message = typeof parsed?.error?.message === 'string' ? parsed.error.message : `HTTP ${res.status}`;
  throw new Unchecked(code, message);
}

/** Asks the server which of `paths` another worker holds (chunked; order kept). */
async function check(io: GuardIo, paths: string[], workerId: string): Promise<CheckResponse> {
  const base = (io.env.TASK_COORDINATOR_URL?.trim() || 'http://localhost:3335').replace(/\/+$/, '');
  const project = io.env.TASK_COORDINATOR_PROJECT?.trim() || 'default';
  const results: CheckResponse['results'] = [];
  for (let i = 0; i < paths.length; i += CHUNK) {
    const answer = await post(io, base, workerId, { project, workerId, paths: paths.slice(i, i + CHUNK) });
    results.push(...answer.results);
  }
  return { results };
}

/**
 * A path the server refuses to check (VALIDATION_FAILED: say a name starting with `!`) is let through with a
 * warning in either mode: it is the path, not the server, that cannot be asked about.
 */
const pathRefused = (error: unknown) => error instanceof Unchecked && error.code === 'VALIDATION_FAILED';

function whyUnchecked(error: unknown): string {
  return error instanceof Unchecked ? `${error.code}: ${error.message}` : (error as Error).message;
}

/** The PreToolUse hook. Exit 0 always: a refusal is the decision on stdout, not an exit code. */
async function preToolUse(io: GuardIo, workerId: string): Promise<number> {
  let input: HookInput;
  try {
    input = JSON.parse((await io.readStdin()) || '{}') as HookInput;
  } catch {
    io.stderr('task-coordinator guard: stdin is not the hook JSON; nothing checked\n');
    return 0;
  }
  const file = editedFile(input, io.cwd);
  if (file === null) return 0;
  const cwd = typeof input.cwd === 'string' && isAbsolute(input.cwd) ? input.cwd : io.cwd;
  const path = repoRelative(repoRoot(cwd, io.env), file);
  if (path === null) return 0; // outside the repository: nobody can reserve it
  let answer: CheckResponse;
  try {
    answer = await check(io, [path], workerId);
  } catch (error) {
    const why = whyUnchecked(error);
    if (failModeOf(io.args, io.env) === 'closed' && !pathRefused(error)) {
      io.stdout(
        `${JSON.stringify(
          denyDecision(
            `Task Coordinator: cannot check whether another agent holds ${path} (${why}), and the guard is set to ` +
              'fail closed. Ask the user to start the Task Coordinator server before editing files.',
          ),
        )}\n`,
      );
    } else io.stderr(`task-coordinator guard: ${path} not checked, edit allowed (${why})\n`);
    return 0;
  }
  const conflict = firstConflict(answer);
  if (conflict) io.stdout(`${JSON.stringify(denyDecision(denyReason(conflict)))}\n`);
  return 0;
}

/** The git pre-commit hook: every staged path; exit 1 when another worker holds one. */
async function preCommit(io: GuardIo, workerId: string): Promise<number> {
  let top: string;
  let staged: string[];
  try {
    top = git(io.cwd, ['rev-parse', '--show-toplevel']).trim();
    staged = git(io.cwd, ['diff', '--cached', '--name-only', '-z']).split('\0').filter(Boolean);
  } catch (error) {
    io.stderr(`task-coordinator guard: not in a git repository (${(error as Error).message.split('\n')[0]})\n`);
    return 1;
  }
  const root = repoRoot(top, io.env);
  const paths = staged.map((p) => repoRelative(root, resolve(top, p))).filter((p): p is string => p !== null);
  if (!paths.length) return 0;
  let answer: CheckResponse;
  try {
    answer = await check(io, paths, workerId);
  } catch (error) {
    const why = whyUnchecked(error);
    if (failModeOf(io.args, io.env) === 'closed' && !pathRefused(error)) {
      io.stderr(`task-coordinator guard: cannot check the staged files (${why}); commit refused (fail closed)\n`);
      return 1;
    }
    io.stderr(`task-coordinator guard: staged files not checked, commit allowed (${why})\n`);
    return 0;
  }
  const lines = commitConflicts(answer);
  if (!lines.length) return 0;
  io.stderr(
    [
      `task-coordinator guard: ${lines.length === 1 ? 'a staged file is' : `${lines.length} staged files are`} held by another worker:`,
      ...lines,
      'Unstage them (git restore --staged <file>), or wait until their tasks are finished.',
      '',
    ].join('\n'),
  );
  return 1;
}

export async function runGuard(io: GuardIo): Promise<number> {
  const workerId = flagValue(io.args, '--worker')?.trim() || defaultWorkerId(io.env);
  return io.args.includes('--git-pre-commit') ? preCommit(io, workerId) : preToolUse(io, workerId);
}
