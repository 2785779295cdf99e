// What every tcx command gets: the REST client, the project and worker, where to write, and how (colour, width, JSON).
import { hostname, userInfo } from 'node:os';
import { basename } from 'node:path';
import { agentWorkerId, DEFAULT_PROJECT } from '@task-coordinator/core';
import pc from 'picocolors';
import { Api } from './api.js';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The whole of standard input (batches for `add`); null when stdin is a terminal. */
  readStdin: () => Promise<string | null>;
  env: NodeJS.ProcessEnv;
  /** Colour on: a terminal and no NO_COLOR (picocolors' own rule), or FORCE_COLOR. */
  color: boolean;
  /** Terminal columns; tables and graphs fit in them. */
  columns: number;
  /** Progress bars and spinners draw here when it is a terminal. */
  progressStream: NodeJS.WritableStream | null;
  /** Aborted on Ctrl-C: `watch` stops and says where to resume. */
  interrupt?: AbortSignal;
}

export interface GlobalOptions {
  url?: string;
  token?: string;
  project?: string;
  worker?: string;
  json?: boolean;
  color?: boolean;
}

export interface Ctx {
  api: Api;
  project: string;
  worker: string;
  json: boolean;
  io: Io;
  c: ReturnType<typeof pc.createColors>;
  /** Prints a line (or a value as JSON with --json). */
  print: (text: string) => void;
  printJson: (value: unknown) => void;
}

/**
 * TASK_COORDINATOR_WORKER_ID; inside Claude Code (a hook, the Bash tool) the agent's own worker, the
 * id its MCP client claims as; else `user@host`: one person's scripts on one machine share a worker.
 */
export function defaultWorker(env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  const given = env.TASK_COORDINATOR_WORKER_ID?.trim();
  if (given) return given;
  const claude = env.CLAUDE_PID?.trim();
  if (claude && /^\d+$/.test(claude))
    return agentWorkerId({ host: hostname(), folder: basename(cwd), ownerPid: claude });
  let user = env.USER || env.USERNAME || 'user';
  try {
    user = userInfo().username || user;
  } catch {
    // no passwd entry (containers): keep the environment's
  }
  return `${user}@${hostname().split('.')[0] ?? 'host'}`;
}

export function makeContext(options: GlobalOptions, io: Io): Ctx {
  const env = io.env;
  const url = options.url ?? (env.TASK_COORDINATOR_URL?.trim() || 'http://localhost:3335');
  const token = options.token ?? (env.TASK_COORDINATOR_TOKEN?.trim() || null);
  const worker = options.worker ?? defaultWorker(env);
  const project = options.project ?? (env.TASK_COORDINATOR_PROJECT?.trim() || DEFAULT_PROJECT);
  const color = options.color === false ? false : io.color;
  const json = options.json === true;
  return {
    api: new Api({ url, token, workerId: worker }),
    project,
    worker,
    json,
    io,
    c: pc.createColors(color),
    print: (text) => io.stdout(`${text}\n`),
    printJson: (value) => io.stdout(`${JSON.stringify(value, null, 2)}\n`),
  };
}
