// Issue 16.1: the connect line the banner prints, pasted into a shell in a fresh project as a user would,
// connects Claude Code (the real binary's `claude mcp list`); `npx task-coordinator-mcp config` finds its bin.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { ClaudeHarness, describeClaude } from '@task-coordinator/test-support/claude-code';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** The built server as `npm start` runs it; resolves with its banner once it has printed the connect lines. */
async function startBuiltServer(dir: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [join(repo, 'apps/server/dist/cli.js'), '--port', '0', '--dashboard-port', '0', '--db', join(dir, 'board.db')],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  cleanup.push(
    () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        process.kill(-(child.pid as number), 'SIGTERM');
      }),
  );
  return new Promise((resolveBanner, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ctrl-C stops it')) {
        clearTimeout(timer);
        resolveBanner(out);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

await describeClaude('the printed connect line', ({ bin }) => {
  it('from a clone the banner prints the built client by path; pasted into a shell, claude mcp list shows it connected', async () => {
    for (const built of ['apps/server/dist/cli.js', 'apps/mcp/dist/cli.js', 'apps/cli/dist/cli.js'])
      expect((statSync(join(repo, built)).mode & 0o777).toString(8), built).toBe('755');
    const dir = mkdtempSync(join(tmpdir(), 'tc-connect-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const banner = await startBuiltServer(dir);
    const line = /^\s*(claude mcp add task-coordinator .*)$/m.exec(banner)?.[1];
    expect(line, banner).toBeDefined();
    expect(line).toMatch(/-e TASK_COORDINATOR_URL=http:\/\/127\.0\.0\.1:\d+ -- node \S+$/);
    expect(line).toContain(join(repo, 'apps/mcp/dist/cli.js'));

    // A user's shell: `claude` on the PATH, a fresh project folder, the line pasted as it is.
    const harness = await ClaudeHarness.start({ bin, turns: [] });
    cleanup.push(() => harness.close());
    const binDir = join(dir, 'bin');
    mkdirSync(binDir);
    symlinkSync(bin, join(binDir, 'claude'));
    const project = join(dir, 'my-project');
    mkdirSync(project);
    const env = harness.env({ PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    const pasted = spawnSync('sh', ['-c', line as string], { cwd: project, env, encoding: 'utf8', timeout: 60_000 });
    expect(pasted.status, pasted.stdout + pasted.stderr).toBe(0);
    const list = await harness.mcp(['list'], { cwd: project });
    expect(list.stdout).toMatch(/^task-coordinator: .*(✓|✔) Connected/m);

    // `npx task-coordinator-mcp config` in the clone finds the linked bin and prints the same line.
    const url = /TASK_COORDINATOR_URL=(\S+)/.exec(line as string)?.[1] as string;
    const config = spawnSync('npx', ['--no-install', 'task-coordinator-mcp', 'config'], {
      cwd: repo,
      env: { ...process.env, TASK_COORDINATOR_URL: url, TASK_COORDINATOR_TOKEN: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(config.status, config.stderr).toBe(0);
    expect(config.stdout).toContain(line);
  }, 180_000);
});
