// The stdio MCP server: the tools over HTTP to the coordinator, heartbeats while alive, work given back on exit.
// Nothing but MCP protocol goes to stdout; diagnostics go to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createToolServer, type ToolProfile } from '@task-coordinator/mcp-tools';
import { HttpBackend } from './http-backend.js';

export interface StdioOptions {
  url: string;
  token: string | null;
  workerId: string;
  project: string;
  version: string;
  /** Which tools to offer (TASK_COORDINATOR_TOOLS); default full. */
  profile?: ToolProfile;
  /** Progress notifications while claim_next_task waits. */
  progressIntervalMs?: number;
  /** Heartbeat interval when the server's lease TTL is unknown. */
  fallbackHeartbeatMs?: number;
}

const log = (message: string) => process.stderr.write(`[task-coordinator-mcp] ${message}\n`);

export async function runStdio(options: StdioOptions): Promise<void> {
  const backend = new HttpBackend({ url: options.url, token: options.token, workerId: options.workerId });
  const server = createToolServer(
    { name: 'task-coordinator', version: options.version, ...(options.profile ? { profile: options.profile } : {}) },
    {
      backend,
      workerId: () => options.workerId,
      project: options.project,
      ...(options.progressIntervalMs ? { progressIntervalMs: options.progressIntervalMs } : {}),
    },
  );

  // Heartbeats every TTL/3 for as long as this process lives: an agent that thinks for an hour
  // keeps its work. The TTL comes from the server; errors only mean the server is away for now.
  let heartbeatMs = options.fallbackHeartbeatMs ?? 40_000;
  let timer: NodeJS.Timeout | null = null;
  let reachable = true;
  const beat = async () => {
    try {
      const health = await backend.health();
      if (health.leaseTtlMs) heartbeatMs = Math.max(1000, Math.floor(health.leaseTtlMs / 3));
      await backend.heartbeat({ project: options.project, workerId: options.workerId });
      if (!reachable) log(`server at ${options.url} is back`);
      reachable = true;
    } catch (error) {
      if (reachable) log(`heartbeat failed: ${(error as Error).message}`);
      reachable = false;
    } finally {
      if (!stopping) timer = setTimeout(() => void beat(), reachable ? heartbeatMs : Math.min(heartbeatMs, 5000));
    }
  };

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    if (timer) clearTimeout(timer);
    // A claim still waiting must not land after the work is given back: cancel it first. (The
    // server releases a claim whose client went away.)
    backend.abortInFlight();
    // Give the work back now rather than after a lease TTL: another agent can take it at once.
    try {
      const mine = (await backend.listSlots({ project: options.project })).filter(
        (slot) => slot.worker === options.workerId,
      );
      await Promise.all(
        mine.map((slot) =>
          backend.releaseSlot({ project: options.project, slot: slot.slot, workerId: options.workerId }),
        ),
      );
      if (mine.length) log(`${why}: released slot(s) ${mine.map((s) => s.slot).join(', ')}`);
    } catch (error) {
      log(`${why}: could not give work back (${(error as Error).message}); it returns when its lease expires`);
    }
    await server.close().catch(() => undefined);
    process.exit(0);
  };

  process.stdin.on('end', () => void stop('client closed stdin'));
  process.stdin.on('close', () => void stop('client closed stdin'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await server.connect(new StdioServerTransport());
  log(`worker ${options.workerId} on ${options.url} (project ${options.project})`);
  void beat();
}
