// The agent's worker id: TASK_COORDINATOR_WORKER_ID, or one derived from where the agent runs.
import { hostname } from 'node:os';
import { basename } from 'node:path';
// The subpath, not the package's index: the guard hook runs on every edit and loads only what it needs.
import { agentWorkerId } from '@task-coordinator/core/worker-id';

/**
 * `host-project-pid`: stable for as long as the agent's client lives, so an MCP process restarted by
 * the same client takes its claims back instead of leaking them, and different agents on one machine
 * never share an id. The pid is Claude Code's (CLAUDE_PID, also seen by its hooks, so `tcx prime` in a
 * hook finds this worker's tasks), else this process's parent (the client, or npx between them).
 */
export function defaultWorkerId(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.TASK_COORDINATOR_WORKER_ID?.trim();
  if (given) return given;
  const claude = env.CLAUDE_PID?.trim();
  return agentWorkerId({
    host: hostname(),
    folder: basename(process.cwd()),
    ownerPid: claude && /^\d+$/.test(claude) ? claude : process.ppid,
  });
}
