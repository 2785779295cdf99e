// The worker id an agent's processes share: pure (host, folder and process id are passed in), so the MCP client and tcx agree.

/** The parts of a worker id: the machine, the agent's project folder, and the process that owns the agent. */
export interface AgentIdentity {
  host: string;
  folder: string;
  /** Claude Code's own pid (CLAUDE_PID, which it gives every process it starts), else the client's pid. */
  ownerPid: number | string;
}

/**
 * `host-folder-pid`. Under Claude Code the pid is CLAUDE_PID, which the MCP server, the hooks and the
 * Bash tool all see: `tcx prime` in a hook then names the worker the MCP client claims as. Elsewhere
 * it is the MCP process's parent (its client).
 */
export function agentWorkerId({ host, folder, ownerPid }: AgentIdentity): string {
  const clean = (text: string) =>
    text
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'agent';
  return `${clean(host.split('.')[0] ?? 'host')}-${clean(folder)}-${ownerPid}`;
}
