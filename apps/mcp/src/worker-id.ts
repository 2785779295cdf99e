// The agent's worker id: TASK_COORDINATOR_WORKER_ID, or one derived from where the agent runs.
import { hostname } from 'node:os';
import { basename } from 'node:path';

/**
 * `host-project-ppid`: stable for as long as the agent's client (this process's parent) lives, so
 * an MCP process restarted by the same client takes its claims back instead of leaking them, and
 * different agents on one machine (different parents) never share an id.
 */
export function defaultWorkerId(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.TASK_COORDINATOR_WORKER_ID?.trim();
  if (given) return given;
  const clean = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'agent';
  return `${clean(hostname().split('.')[0] ?? 'host')}-${clean(basename(process.cwd()))}-${process.ppid}`;
}
