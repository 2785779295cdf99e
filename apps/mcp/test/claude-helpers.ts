// Shared parts of the Claude Code scenarios: the coordinator as Claude Code reaches it (stdio from
// source, or /mcp), and one harness per agent, closed after each test.
import { afterEach } from 'vitest';
import {
  ClaudeHarness,
  lastResult,
  tsStdioServer,
  type McpServerConfig,
  type Turn,
  type TurnContext,
} from '@task-coordinator/test-support/claude-code';
import type { RunningServer } from 'task-coordinator-server';
import { cli } from './helpers.js';

const harnesses: ClaudeHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

/** A harness (own HOME, own scripted API) closed after the test. */
export async function agent(bin: string, turns: Turn[]): Promise<ClaudeHarness> {
  const harness = await ClaudeHarness.start({ bin, turns });
  harnesses.push(harness);
  return harness;
}

export interface Connect {
  token?: string;
  workerId?: string;
  profile?: string;
  env?: Record<string, string>;
}

/** The coordinator's stdio client (task-coordinator-mcp from source) as a Claude Code MCP server entry. */
export function stdioEntry(server: RunningServer, options: Connect = {}): McpServerConfig {
  return tsStdioServer(cli, {
    TASK_COORDINATOR_URL: server.apiUrl,
    TASK_COORDINATOR_PROGRESS_MS: '1000',
    ...(options.token ? { TASK_COORDINATOR_TOKEN: options.token } : {}),
    ...(options.workerId ? { TASK_COORDINATOR_WORKER_ID: options.workerId } : {}),
    ...(options.profile ? { TASK_COORDINATOR_TOOLS: options.profile } : {}),
    ...options.env,
  });
}

/** The server's /mcp endpoint as a Claude Code MCP server entry. */
export function httpEntry(server: RunningServer, options: Connect = {}): McpServerConfig {
  return {
    type: 'http',
    url: `${server.mcpUrl}${options.profile ? `?tools=${options.profile}` : ''}`,
    headers: {
      ...(options.workerId ? { 'X-Worker-Id': options.workerId } : {}),
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
  };
}

/** The last tool result the model was shown, as JSON (Claude Code shows structured results as JSON text). */
export function shownJson(ctx: TurnContext): any {
  const { json, text } = lastResult(ctx);
  if (json === undefined) throw new Error(`the model was shown text, not JSON: ${text}`);
  return json;
}
