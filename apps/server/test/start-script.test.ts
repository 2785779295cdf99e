// `npm start` prints the server's banner first (build output only on errors); the supported Node versions agree everywhere.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const manifest = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, any>;

describe('npm start', () => {
  it('prints the banner as its first line of output (after npm\'s own "> script" header), no build logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-start-'));
    const child = spawn('npm', ['start', '--', '--port', '0', '--dashboard-port', '0', '--db', join(dir, 'b.db')], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PORT: '', DASHBOARD_PORT: '', TC_DB: '', DATABASE_URL: '', TC_TOKEN: '', TC_TOKENS: '' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const deadline = Date.now() + 170_000;
      while (!out.includes('Ctrl-C stops it') && child.exitCode === null && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(out, err).toContain('Ctrl-C stops it');
      const lines = out.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('> '));
      expect(lines[0]).toMatch(/^Task Coordinator \d+\.\d+\.\d+: SQLite store /);
      expect(out).not.toMatch(/turbo|Tasks:|cache hit/i);
    } finally {
      if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('supported Node versions', () => {
  const rootEngines = manifest('package.json').engines.node as string;
  const majors = [...rootEngines.matchAll(/\^(\d+)\./g)].map((m) => Number(m[1]));

  it('every published package states the same engines as the root', () => {
    expect(majors.length).toBeGreaterThan(1);
    for (const group of ['packages', 'apps']) {
      for (const name of readdirSync(join(root, group))) {
        const path = join(group, name, 'package.json');
        if (!existsSync(join(root, path))) continue;
        const pkg = manifest(path);
        if (pkg.private === true && pkg.engines === undefined) continue;
        expect(pkg.engines?.node, path).toBe(rootEngines);
      }
    }
  });

  it('CI runs the tests on every supported major and the README names them', () => {
    const ci =
      readFileSync(join(root, '.ci', 'run'), 'utf8') + readFileSync(join(root, '.ci', 'node-versions.sh'), 'utf8');
    // .ci/run runs everything on the machine's Node (the oldest supported) and the other majors by node-versions.sh.
    const args = /bash \.ci\/node-versions\.sh ([\d ]+)/.exec(ci)?.[1]?.trim().split(' ').map(Number) ?? [];
    expect([Math.min(...majors), ...args].sort((a, b) => a - b)).toEqual([...majors].sort((a, b) => a - b));
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const major of majors) expect(readme).toMatch(new RegExp(`Node(\\.js)? [^\\n]*\\b${major}\\b`));
  });

  it('a default install has no bench-only dependency (pg-boss, graphile-worker live in bench/package.json)', () => {
    const all = { ...manifest('package.json').dependencies, ...manifest('package.json').devDependencies };
    for (const name of ['pg-boss', 'graphile-worker']) expect(all, name).not.toHaveProperty(name);
    expect(manifest('bench/package.json').dependencies).toHaveProperty('pg-boss');
    expect(manifest('package.json').scripts.bench).toContain('bench/install-deps.mjs');
  });
});
