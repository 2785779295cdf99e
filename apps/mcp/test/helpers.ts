// Test helpers: a real server on port 0, and the MCP SDK's own clients over stdio and Streamable HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach } from 'vitest';
import {
  DEFAULTS,
  startServer,
  type RunningServer,
  type ServerConfig,
  type StartOptions,
} from 'task-coordinator-server';
import { eventually, sleep } from '@task-coordinator/test-support/wait';

export const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'tc-mcp-'));
let files = 0;
const servers: RunningServer[] = [];
const clients: Array<{ close: () => Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

export function dbFile(): string {
  return join(dir, `mcp-${++files}.db`);
}

export async function server(
  overrides: Partial<ServerConfig> = {},
  options: Omit<StartOptions, 'log'> = {},
): Promise<RunningServer> {
  const running = await startServer(
    { ...DEFAULTS, port: 0, dashboardPort: null, db: dbFile(), sweepIntervalMs: 50, ...overrides },
    { log: () => undefined, ...options },
  );
  servers.push(running);
  return running;
}

export function track(running: RunningServer): RunningServer {
  servers.push(running);
  return running;
}

export interface StdioAgent {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
}

/** Spawns `task-coordinator-mcp` (from source) and connects the SDK's stdio client to it. */
export async function stdioAgent(url: string, env: Record<string, string> = {}): Promise<StdioAgent> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--conditions=@task-coordinator/source', '--import', 'tsx', cli],
    env: { ...(process.env as Record<string, string>), TASK_COORDINATOR_URL: url, ...env },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, transport, stderr: () => err };
}

const transports = new WeakMap<Client, StreamableHTTPClientTransport>();

/** Ends an /mcp session the way a client does when it is done: DELETE, then close. */
export async function endSession(client: Client): Promise<void> {
  await transports.get(client)?.terminateSession();
  await client.close();
}

/** Connects the SDK's Streamable HTTP client to the server's /mcp. */
export async function httpAgent(mcpUrl: string, headers: Record<string, string> = {}): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers } });
  const client = new Client({ name: 'test-http-agent', version: '1.0.0' });
  await client.connect(transport);
  transports.set(client, transport);
  clients.push({
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  });
  return client;
}

export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult & { structuredContent?: any }> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult & { structuredContent?: any };
}

export function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

export { eventually, sleep };

/**
 * Resolves once `taskId`'s lease runs one TTL from the injected clock's now: the agent (or /mcp
 * session) has heartbeated since the clock last moved. A condition, not a sleep.
 */
export async function leaseRenewed(
  running: RunningServer,
  now: () => number,
  taskId: string,
  ttlMs: number,
): Promise<void> {
  await eventually(async () => (await running.store.getTask({ taskId })).leaseExpiresAt === now() + ttlMs, 20_000);
}
