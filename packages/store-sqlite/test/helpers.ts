// Test helpers for the SQLite store: temporary files and child processes on the same file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function tempDir(prefix: string): { dir: string; file: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts a fixture script in its own Node process, resolving workspace packages from source. */
export function spawnFixture(script: string, args: string[]): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=@task-coordinator/source', '--import', 'tsx', join(here, 'fixtures', script), ...args],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: join(here, '..'),
    },
  );
}

/** Resolves when the child writes `line` to stderr. */
export function saysOnStderr(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split('\n').includes(line)) {
        child.stderr?.off('data', onData);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`fixture exited (${code}) before saying ${line}: ${seen}`)));
  });
}

/** Waits for a child to exit; resolves with its stdout, rejects with its stderr on failure. */
export function finished(child: ChildProcess): Promise<string> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve(out) : reject(new Error(`fixture exited ${code ?? signal}: ${err}`)),
    );
  });
}
