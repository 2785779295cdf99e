// Server processes for the HTTP benchmarks: the built coordinator on a fresh SQLite file, or any
// script, started on port 0 and found by the port it prints; every child is stopped by its pid.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** CPU a process has used so far, user + system, in ms (Linux /proc, in clock ticks of 10 ms; 0 elsewhere). */
export function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/**
 * The CPU rows of a round-based HTTP bench: each contender's CPU ms per cycle (median of the
 * rounds), of the server and of this load generator; each round has ours, unsynced and bare, each
 * with `cpu: { server, client }`.
 */
export function cpuRows(row, rounds, median, cycle = 'cycle') {
  const cpuOf = (pick) =>
    `${median(rounds.map((r) => pick(r).cpu.server))} + ${median(rounds.map((r) => pick(r).cpu.client))}`;
  row(
    `CPU ms per ${cycle}, server + load generator: ours`,
    cpuOf((r) => r.ours),
  );
  row(
    '  ours with commits not synced',
    cpuOf((r) => r.unsynced),
  );
  row(
    '  bare node:http',
    cpuOf((r) => r.bare),
  );
}

/** This process's CPU so far, user + system, in ms. */
export function ownCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

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

  /**
   * The built coordinator (apps/server/dist) on `dbFile` with `slots` worker slots; `unsynced`: the
   * reference whose SQLite commits are acknowledged before their fsync (unsynced-server.mjs).
   */
  const startCoordinator = (dbFile, slots, { unsynced = false } = {}) =>
    start(
      [
        unsynced ? join('bench', 'unsynced-server.mjs') : join('apps', 'server', 'dist', 'cli.js'),
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
