// The harness itself, end to end: real Claude Code, the scripted API, the coordinator over stdio and /mcp.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { DEFAULTS, startServer, type RunningServer } from 'task-coordinator-server';
import {
  ClaudeHarness,
  call,
  decide,
  deferredToolNames,
  describeClaude,
  lastResult,
  mcpName,
  say,
  selectTools,
  toolDefinition,
  tsStdioServer,
} from '../index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const mcpCli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'apps', 'mcp', 'src', 'cli.ts');
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function coordinator(): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tc-smoke-'));
  const server = await startServer(
    { ...DEFAULTS, port: 0, dashboardPort: null, db: join(dir, 'board.db') },
    { log: () => undefined },
  );
  cleanup.push(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

await describeClaude('Claude Code harness', ({ bin }) => {
  it('claude -p loads an MCP tool through ToolSearch, calls it over stdio, and the model sees its result', async () => {
    const server = await coordinator();
    await fetch(`${server.apiUrl}/api/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tasks: [{ id: 'smoke', description: 'the smoke task' }] }),
    });
    const harness = await ClaudeHarness.start({
      bin,
      turns: [
        selectTools('tc', 'get_task'),
        decide(() => call(mcpName('tc', 'get_task'), { taskId: 'smoke' })),
        decide((context) => say(`seen: ${lastResult(context).text.includes('the smoke task')}`)),
      ],
    });
    cleanup.push(() => harness.close());
    const run = await harness.print('look at task smoke', {
      mcpServers: {
        tc: tsStdioServer(mcpCli, { TASK_COORDINATOR_URL: server.apiUrl, TASK_COORDINATOR_WORKER_ID: 'smoke-agent' }),
      },
      allowedTools: ['mcp__tc'],
    });
    expect(harness.api.errors).toEqual([]);
    expect(run.result?.result).toBe('seen: true');
    // Claude Code defers MCP tools: the first request lists the name only; after ToolSearch, the schema.
    const [first, second] = harness.api.mainRequests();
    expect(deferredToolNames(first!)).toContain(mcpName('tc', 'get_task'));
    expect(toolDefinition(first!, mcpName('tc', 'get_task'))).toBeUndefined();
    expect(toolDefinition(second!, mcpName('tc', 'get_task'))?.input_schema).toMatchObject({
      properties: { taskId: expect.anything() },
    });
    const [shown] = harness.api.toolResults().filter((r) => r.tool === mcpName('tc', 'get_task'));
    expect(shown?.isError).toBe(false);
    expect(shown?.text).toContain('the smoke task');
  });

  it('claude mcp add + list reports an /mcp server connected', async () => {
    const server = await coordinator();
    const harness = await ClaudeHarness.start({ bin });
    cleanup.push(() => harness.close());
    const add = await harness.mcp(['add', '--transport', 'http', 'tc', server.mcpUrl]);
    expect(add.code, add.stderr).toBe(0);
    const list = await harness.mcp(['list']);
    expect(list.stdout).toMatch(/tc: .*\/mcp \(HTTP\) - ✔ Connected/);
  });
});
