// The pinned Claude Code binary, installed on demand into a gitignored cache (never by a user's
// `npm install`) and reused when present. Concurrent test files share one install through a lock.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLAUDE_CODE_VERSION = '2.1.332';
export const CLAUDE_CODE_PACKAGE = '@anthropic-ai/claude-code';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the pinned version lives: $TC_CLAUDE_CODE_CACHE, else `<repo>/.cache/claude-code`. */
export function cacheRoot(): string {
  return process.env.TC_CLAUDE_CODE_CACHE?.trim() || join(repoRoot, '.cache', 'claude-code');
}

export type ClaudeCodeInstall =
  { available: true; bin: string; version: string } | { available: false; reason: string; version: string };

const INSTALL_TIMEOUT_MS = 240_000;
const LOCK_WAIT_MS = 300_000;

function binIn(dir: string): string {
  return join(dir, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');
}

function installedVersion(dir: string): string | null {
  try {
    const pkg = JSON.parse(
      readFileSync(join(dir, 'node_modules', '@anthropic-ai', 'claude-code', 'package.json'), 'utf8'),
    ) as { version?: string };
    return pkg.version ?? null;
  } catch {
    return null;
  }
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      output += `\n(timed out after ${timeoutMs} ms)`;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      done({ code: -1, output: `${output}\n${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, output });
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Installed at the pinned version, and its binary answers `--version` with it (the postinstall ran). */
async function runs(dir: string): Promise<boolean> {
  if (installedVersion(dir) !== CLAUDE_CODE_VERSION || !existsSync(binIn(dir))) return false;
  const { code, output } = await run(binIn(dir), ['--version'], dir, 30_000, {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    DISABLE_AUTOUPDATER: '1',
  });
  return code === 0 && output.includes(CLAUDE_CODE_VERSION);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Takes the install lock (a directory), waiting for another holder; clears a lock whose holder died. */
async function withLock<T>(root: string, body: () => Promise<T>): Promise<T> {
  const lock = join(root, '.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const holder = Number(readFileSync(join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      if (holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`install lock ${lock} held by pid ${holder} for too long`);
      else await pause(200);
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

let pending: Promise<ClaudeCodeInstall> | undefined;

/**
 * The pinned Claude Code, installing it first when the cache does not hold it. Resolves with
 * `available: false` and the reason when it cannot be installed (no registry, no npm).
 */
export function claudeCode(): Promise<ClaudeCodeInstall> {
  pending ??= install();
  return pending;
}

async function install(): Promise<ClaudeCodeInstall> {
  const version = CLAUDE_CODE_VERSION;
  const root = cacheRoot();
  const target = join(root, version);
  if (await runs(target)) return { available: true, bin: binIn(target), version };
  try {
    mkdirSync(root, { recursive: true });
    return await withLock(root, async () => {
      if (await runs(target)) return { available: true, bin: binIn(target), version };
      const staging = join(root, `.staging-${process.pid}`);
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging, { recursive: true });
      // Its own package.json, so the repo's workspaces and lockfile stay out of it.
      writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'claude-code-cache', private: true }));
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const { code, output } = await run(
        npm,
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--no-save',
          '--loglevel=error',
          '--ignore-scripts=false',
          `${CLAUDE_CODE_PACKAGE}@${version}`,
        ],
        staging,
        INSTALL_TIMEOUT_MS,
      );
      if (code !== 0 || !(await runs(staging))) {
        rmSync(staging, { recursive: true, force: true });
        const why = output.trim().slice(-400) || 'the installed binary does not run';
        return { available: false, version, reason: `npm install ${CLAUDE_CODE_PACKAGE}@${version} failed: ${why}` };
      }
      rmSync(target, { recursive: true, force: true });
      renameSync(staging, target);
      return { available: true, bin: binIn(target), version };
    });
  } catch (error) {
    return { available: false, version, reason: (error as Error).message };
  }
}
