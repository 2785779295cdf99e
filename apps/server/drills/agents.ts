// Agent-death drill: real `task-coordinator-mcp` stdio processes, driven by the MCP SDK's Client,
// are killed with SIGKILL while holding tasks. Their tasks must become available again within the
// lease TTL (plus one sweep), their slots free, each death counted as an attempt; and a task that
// kills its agent every time must end `failed` after maxAttempts, the reason in its history — a
// dead letter, not an endless loop. Then a healthy agent finishes every other task.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Task } from '@task-coordinator/core';
import { DEFAULTS, startServer, type RunningServer } from '../src/index.js';
import { MCP_CLI, SOURCE_ARGS, until } from './support.js';

export interface AgentDrillOptions {
  /** Agents killed per round. */
  agents: number;
  rounds: number;
  leaseTtlMs?: number;
  log?: (line: string) => void;
}

export interface AgentDrillReport {
  killed: number;
  tasksHeld: number;
  /** Tasks seen available again after their holder died. */
  recovered: number;
  slowestRecoveryMs: number;
  leaseTtlMs: number;
  /** Slots still held after the dead agents' leases ran out (must be 0). */
  slotsLeaked: number;
  /** attempts → how many tasks have that count, after the rounds. */
  attempts: Record<string, number>;
  poison: { kills: number; status: string; attempts: number; reason: string };
  /** Tasks a healthy agent finished afterwards. */
  finishedAfter: number;
  violations: string[];
}

interface Agent {
  client: Client;
  transport: StdioClientTransport;
}

async function spawnAgent(url: string, workerId: string): Promise<Agent> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...SOURCE_ARGS, MCP_CLI],
    env: {
      ...(process.env as Record<string, string>),
      TASK_COORDINATOR_URL: url,
      TASK_COORDINATOR_WORKER_ID: workerId,
    },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'agent-death-drill', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

async function tool(agent: Agent, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const result = (await agent.client.callTool({ name, arguments: args })) as {
    isError?: boolean;
    structuredContent?: any;
    content: Array<{ text?: string }>;
  };
  if (result.isError) throw new Error(`${name}: ${result.content.map((c) => c.text ?? '').join(' ')}`);
  return result.structuredContent;
}

async function killHard(agent: Agent): Promise<void> {
  process.kill(agent.transport.pid as number, 'SIGKILL');
  await agent.client.close().catch(() => undefined);
}

export async function runAgentDrill(options: AgentDrillOptions): Promise<AgentDrillReport> {
  const leaseTtlMs = options.leaseTtlMs ?? 2000;
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'tc-agents-'));
  const violations: string[] = [];
  const report: AgentDrillReport = {
    killed: 0,
    tasksHeld: 0,
    recovered: 0,
    slowestRecoveryMs: 0,
    leaseTtlMs,
    slotsLeaked: 0,
    attempts: {},
    poison: { kills: 0, status: '', attempts: 0, reason: '' },
    finishedAfter: 0,
    violations,
  };
  let running: RunningServer | null = null;
  const live: Agent[] = [];
  try {
    running = await startServer(
      {
        ...DEFAULTS,
        port: 0,
        dashboardPort: null,
        db: join(dir, 'agents.db'),
        leaseTtlMs,
        slots: options.agents + 2,
        sweepIntervalMs: 100,
      },
      { log: (message, error) => violations.push(`server logged: ${message} ${String(error)}`) },
    );
    const { store } = running;
    const url = running.apiUrl;
    const total = options.agents * options.rounds;
    // Enough attempts that only the poison task is ever dead-lettered.
    await store.addTasks({
      tasks: Array.from({ length: total }, (_, i) => ({
        id: `work-${i}`,
        description: `work ${i}`,
        maxAttempts: options.rounds + 1,
      })),
    });
    const deaths = new Map<string, number>();

    for (let round = 1; round <= options.rounds; round++) {
      const agents = await Promise.all(
        Array.from({ length: options.agents }, (_, i) => spawnAgent(url, `doomed-${round}-${i}`)),
      );
      live.push(...agents);
      const held: string[] = [];
      for (const agent of agents) {
        const claimed = await tool(agent, 'claim_next_task');
        const task = claimed.task as Task | null;
        if (!task) throw new Error('no task to claim');
        await tool(agent, 'update_task', { taskId: task.id, status: 'working' });
        held.push(task.id);
        deaths.set(task.id, (deaths.get(task.id) ?? 0) + 1);
      }
      const killedAt = Date.now();
      await Promise.all(agents.map(killHard));
      live.splice(0);
      report.killed += agents.length;
      report.tasksHeld += held.length;
      // Every held task comes back, each in its own time.
      await Promise.all(
        held.map(async (id) => {
          await until(
            `${id} to become available`,
            async () => (await store.getTask({ taskId: id })).status === 'available',
            leaseTtlMs * 10 + 10_000,
          );
          report.slowestRecoveryMs = Math.max(report.slowestRecoveryMs, Date.now() - killedAt);
          report.recovered++;
        }),
      );
      await until(
        "the dead agents' slots to be freed",
        async () => (await store.listSlots()).every((s) => s.free),
        leaseTtlMs * 10 + 10_000,
      ).catch(() => undefined);
      const leaked = (await store.listSlots()).filter((s) => !s.free).length;
      report.slotsLeaked += leaked;
      if (leaked) violations.push(`round ${round}: ${leaked} slots still held`);
      log(
        `round ${round}: ${agents.length} agents killed holding ${held.length} tasks; all available again ${Date.now() - killedAt} ms later; slots free: ${leaked === 0}`,
      );
    }
    for (const [id, count] of deaths) {
      const task = await store.getTask({ taskId: id });
      if (task.attempts !== count)
        violations.push(`${id}: attempts ${task.attempts}, but its holder died ${count} times`);
      report.attempts[String(task.attempts)] = (report.attempts[String(task.attempts)] ?? 0) + 1;
    }

    // The poison task: claimed first (highest priority), and every agent that takes it dies.
    const maxAttempts = 3;
    await store.addTasks({
      tasks: [{ id: 'poison', description: 'kills whoever runs it', priority: 100, maxAttempts }],
    });
    for (let guard = 0; guard < maxAttempts + 3; guard++) {
      const poison = await store.getTask({ taskId: 'poison' });
      if (poison.status !== 'available') break;
      const agent = await spawnAgent(url, `poisoned-${guard}`);
      live.push(agent);
      const claimed = await tool(agent, 'claim_next_task');
      if ((claimed.task as Task | null)?.id !== 'poison') throw new Error('the poison task was not claimed first');
      await tool(agent, 'update_task', { taskId: 'poison', status: 'working' });
      await killHard(agent);
      live.splice(0);
      report.poison.kills++;
      await until(
        'the poison task to be given back',
        async () => !['claimed', 'working'].includes((await store.getTask({ taskId: 'poison' })).status),
        leaseTtlMs * 10 + 10_000,
      );
    }
    const poison = await store.getTask({ taskId: 'poison' });
    // A task row can show a change up to one fsync before its event is readable (the event log shows
    // durable events only; docs/architecture.md): wait for the history to catch up with the row.
    const history = await until(
      "the poison task's history to reach its last change",
      async () => {
        const events = await store.taskHistory({ taskId: 'poison' });
        return (events.at(-1)?.at ?? 0) >= poison.updatedAt ? events : null;
      },
      10_000,
    );
    const last = history.at(-1);
    report.poison = {
      kills: report.poison.kills,
      status: poison.status,
      attempts: poison.attempts,
      reason: String(last?.data.reason ?? ''),
    };
    if (poison.status !== 'failed') violations.push(`poison task ended ${poison.status}`);
    if (report.poison.kills !== maxAttempts)
      violations.push(`poison task killed ${report.poison.kills} agents, expected ${maxAttempts}`);
    if (last?.type !== 'task.expired' || !/lease expired 3 time/.test(report.poison.reason))
      violations.push(`poison history ends ${last?.type} ${report.poison.reason}`);
    if (poison.error === null || !/lease expired/.test(poison.error))
      violations.push(`poison task error: ${poison.error}`);

    // A healthy agent finishes all the rest: the board is not stuck.
    const healthy = await spawnAgent(url, 'healthy');
    live.push(healthy);
    for (let guard = 0; guard < total + 5; guard++) {
      const claimed = await tool(healthy, 'claim_next_task');
      const task = claimed.task as Task | null;
      if (!task) break;
      await tool(healthy, 'update_task', { taskId: task.id, status: 'done', output: 'finished after the deaths' });
      report.finishedAfter++;
    }
    if (report.finishedAfter !== total) violations.push(`healthy agent finished ${report.finishedAfter} of ${total}`);
  } finally {
    await Promise.all(live.map((agent) => agent.client.close().catch(() => undefined)));
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}
