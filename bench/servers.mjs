// Server processes for the HTTP benchmarks: the built coordinator on a fresh SQLite file, or any
// script, started on port 0 and found by the port it prints; every child is stopped by its pid.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** One bench's children: `start` spawns, `stop` ends one by SIGTERM, `killAll` ends what is left. */
export function serverProcesses(root) {
  const children = [];

  /** Spawns `node args…` in the repository and resolves once `ready(stdout so far)` returns a port. */
  function start(args, ready) {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
    children.push(child);
    let out = '';
    child.stderr.on('data', (c) => process.stderr.write(c));
    return new Promise((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += c.toString();
        const port = ready(out);
        if (port) resolve({ child, port });
      });
      child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    });
  }

  /** The built coordinator (apps/server/dist) on `dbFile` with `slots` worker slots. */
  const startCoordinator = (dbFile, slots) =>
    start(
      [
        join('apps', 'server', 'dist', 'cli.js'),
        '--port',
        '0',
        '--dashboard-port',
        '0',
        '--db',
        dbFile,
        '--slots',
        String(slots),
      ],
      (out) => /API\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1],
    );

  function stop(child) {
    return new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  const killAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };

  return { start, startCoordinator, stop, killAll };
}
