// Every tool, every error path, through the MCP SDK's own clients: stdio (task-coordinator-mcp) and /mcp.
import { describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { TOOL_NAMES } from '@task-coordinator/mcp-tools';
import { fakeClock } from '@task-coordinator/core/testing';
import { call, endSession, eventually, httpAgent, leaseRenewed, server, stdioAgent, text } from './helpers.js';

const DESIGN_TOOLS = [
  'claim_worker_slot',
  'release_worker_slot',
  'get_workers',
  'add_task',
  'get_available_tasks',
  'get_all_tasks',
  'claim_task',
  'update_task',
  'reset_failed_task',
  'clean_all_tasks',
  'claim_next_task',
  'heartbeat',
  'get_task',
  'add_tasks',
  'release_task',
  'cancel_task',
  'get_task_history',
  'ask_human',
  'add_note',
  'reserve_files',
  'release_files',
  'check_files',
];

async function exerciseEveryTool(client: Client, workerId: string): Promise<void> {
  const listing = await client.listTools();
  expect(listing.tools.map((t) => t.name).sort()).toEqual([...DESIGN_TOOLS].sort());
  for (const tool of listing.tools) {
    expect(tool.description?.length, tool.name).toBeGreaterThan(20);
    expect(tool.outputSchema, tool.name).toBeDefined();
    expect(tool.annotations, tool.name).toBeDefined();
  }
  const byName = new Map(listing.tools.map((t) => [t.name, t]));
  expect(byName.get('get_all_tasks')?.annotations).toMatchObject({ readOnlyHint: true });
  expect(byName.get('clean_all_tasks')?.annotations).toMatchObject({ destructiveHint: true });
  expect(byName.get('update_task')?.annotations).toMatchObject({ destructiveHint: false, idempotentHint: true });

  // Plan: a → b, plus c.
  const added = await call(client, 'add_tasks', {
    tasks: [
      { id: 'a', description: 'Write the schema' },
      { id: 'b', description: 'Write the API', dependencies: ['a'] },
    ],
  });
  expect(added.isError).toBeFalsy();
  expect(added.structuredContent).toMatchObject({ created: ['a', 'b'], existing: [] });
  expect(added.structuredContent.next).toContain('claim_next_task');
  expect(text(await call(client, 'add_task', { id: 'c', description: 'Docs', priority: -1 }))).toContain('Added c');

  const available = await call(client, 'get_available_tasks');
  expect(available.structuredContent.tasks.map((t: { id: string }) => t.id)).toEqual(['a', 'c']);
  const all = await call(client, 'get_all_tasks', { status: ['blocked'] });
  expect(text(all)).toContain('b [blocked] Write the API after a');

  // The workflow the descriptions teach.
  const claimed = await call(client, 'claim_next_task');
  expect(claimed.structuredContent).toMatchObject({
    task: { id: 'a', status: 'claimed', worker: workerId },
    resumed: false,
  });
  expect(text(claimed)).toContain('Write the schema');
  // The guidance reaches the model both ways: in the text, and as the structured result's `next`.
  expect(claimed.structuredContent.next).toContain('update_task taskId=a status=working');
  expect(text(claimed)).toContain(`Next: ${claimed.structuredContent.next}`);
  expect((await call(client, 'update_task', { taskId: 'a', status: 'working' })).structuredContent.task.status).toBe(
    'working',
  );
  const beat = await call(client, 'heartbeat');
  expect(beat.structuredContent.tasks).toEqual(['a']);
  const done = await call(client, 'update_task', { taskId: 'a', status: 'done', output: 'schema.sql' });
  expect(done.structuredContent).toMatchObject({ task: { id: 'a', status: 'done' }, unblocked: ['b'] });
  expect(text(done)).toContain('Now available to any worker: b');
  expect(done.structuredContent.next).toContain('claim_next_task');

  const detail = await call(client, 'get_task', { taskId: 'a' });
  expect(detail.structuredContent).toMatchObject({ task: { output: 'schema.sql' }, dependents: ['b'] });
  const history = await call(client, 'get_task_history', { taskId: 'a' });
  expect(history.structuredContent.events.map((e: { type: string }) => e.type)).toEqual([
    'task.added',
    'task.claimed',
    'task.started',
    'task.completed',
  ]);

  // Original tools with original parameters.
  const slot = await call(client, 'claim_worker_slot');
  expect(slot.structuredContent).toMatchObject({ slot: 1, worker: workerId });
  const claimB = await call(client, 'claim_task', { taskId: 'b', workerId, workerSlot: 1 });
  expect(claimB.structuredContent).toMatchObject({ task: { id: 'b', status: 'claimed' }, slot: 1 });
  const workers = await call(client, 'get_workers');
  expect(workers.structuredContent.slots[0]).toMatchObject({ slot: 1, free: false, worker: workerId, taskId: 'b' });
  expect((await call(client, 'release_task', { taskId: 'b', reason: 'not now' })).structuredContent.task.status).toBe(
    'available',
  );
  await call(client, 'claim_task', { taskId: 'b' });
  const failed = await call(client, 'update_task', { taskId: 'b', status: 'failed', error: 'compiler crashed' });
  expect(failed.structuredContent.task).toMatchObject({ status: 'failed', attempts: 1 });
  expect((await call(client, 'reset_failed_task', { taskId: 'b' })).structuredContent.task.status).toBe('available');
  expect((await call(client, 'cancel_task', { taskId: 'c', reason: 'dropped' })).structuredContent.task.status).toBe(
    'cancelled',
  );
  const released = await call(client, 'release_worker_slot', { slot: 1 });
  expect(released.structuredContent).toMatchObject({ slot: 1, released: true });
  const cleaned = await call(client, 'clean_all_tasks');
  expect(cleaned.structuredContent).toMatchObject({ removed: 3, slotsFreed: 0 });
  expect((await call(client, 'claim_next_task')).structuredContent).toMatchObject({
    task: null,
    slot: null,
    resumed: false,
    next: expect.stringContaining('wait_seconds'),
  });
}

async function exerciseErrors(client: Client): Promise<void> {
  // As real clients do: tools/list first, so the SDK validates every result against the tool's output schema.
  await client.listTools();
  const expectError = async (name: string, args: Record<string, unknown>, code: string, hint?: string) => {
    const result = await call(client, name, args);
    expect(result.isError, `${name} should fail with ${code}`).toBe(true);
    expect(text(result)).toContain(code);
    // No structured content on errors: it would have to match the output schema for every client.
    expect(result.structuredContent).toBeUndefined();
    if (hint) expect(text(result)).toContain(hint);
  };
  await expectError('get_task', { taskId: 'ghost' }, 'TASK_NOT_FOUND', 'get_all_tasks');
  await call(client, 'add_tasks', {
    tasks: [
      { id: 'x', description: 'x' },
      { id: 'y', description: 'y', dependencies: ['x'] },
    ],
  });
  await expectError('add_task', { id: 'x', description: 'something else' }, 'TASK_EXISTS');
  await expectError('add_task', { id: 'z', description: 'z', dependencies: ['nope'] }, 'UNKNOWN_DEPENDENCY');
  await expectError(
    'add_tasks',
    {
      tasks: [
        { id: 'p', description: 'p', dependencies: ['q'] },
        { id: 'q', description: 'q', dependencies: ['p'] },
      ],
    },
    'DEPENDENCY_CYCLE',
  );
  await expectError('claim_task', { taskId: 'y' }, 'NOT_CLAIMABLE', 'claim_next_task');
  await expectError('update_task', { taskId: 'x', status: 'done' }, 'LEASE_LOST', 'Stop working on it');
  await expectError('reset_failed_task', { taskId: 'x' }, 'INVALID_TRANSITION');
  await expectError('update_task', { taskId: 'ghost', status: 'working' }, 'TASK_NOT_FOUND');
  const invalid = await call(client, 'add_task', { id: 'bad id', description: 'x' });
  expect(invalid.isError).toBe(true);
  expect(text(invalid)).toMatch(/id/);
}

describe('MCP over stdio (task-coordinator-mcp)', () => {
  it('serves every tool and runs the whole workflow against a real server', async () => {
    const running = await server();
    const { client, stderr } = await stdioAgent(running.apiUrl, { TASK_COORDINATOR_WORKER_ID: 'agent-one' });
    await exerciseEveryTool(client, 'agent-one');
    // Diagnostics go to stderr; stdout carried nothing but protocol (or the client would have failed).
    expect(stderr()).toContain('worker agent-one');
  }, 60_000);

  it('answers every error as a tool error with the code and a hint', async () => {
    const running = await server();
    const { client } = await stdioAgent(running.apiUrl, { TASK_COORDINATOR_WORKER_ID: 'agent-err' });
    await exerciseErrors(client);
  }, 60_000);

  it('tools/list stays under 25 KiB of JSON in full, 8 KiB in core', async () => {
    const running = await server();
    const { client } = await stdioAgent(running.apiUrl);
    const listing = await client.listTools();
    // Full grew from under 16 KiB with `next` in every output schema, add_tasks' restored `description`,
    // ask_human + add_note (issue 14), and reserve_files, release_files, check_files (issue 13: 24.3 KiB).
    expect(JSON.stringify(listing).length).toBeLessThan(25 * 1024);
    expect(listing.tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
    const core = await (await stdioAgent(running.apiUrl, { TASK_COORDINATOR_TOOLS: 'core' })).client.listTools();
    // Core's five tools grew from 6.4 KiB when task reads gained files, reservations and blockedBy (issue 13).
    expect(core.tools.map((t) => t.name).sort()).toEqual([
      'add_tasks',
      'claim_next_task',
      'get_task',
      'release_task',
      'update_task',
    ]);
    expect(JSON.stringify(core).length).toBeLessThan(8 * 1024);
  }, 30_000);
});

describe('MCP over Streamable HTTP (/mcp)', () => {
  it('serves the same tools and workflow', async () => {
    const running = await server();
    const client = await httpAgent(running.mcpUrl, { 'X-Worker-Id': 'http-agent' });
    await exerciseEveryTool(client, 'http-agent');
  }, 60_000);

  it('answers errors the same way', async () => {
    const running = await server();
    const client = await httpAgent(running.mcpUrl);
    await exerciseErrors(client);
  }, 60_000);

  it('needs the token when the server has one, and refuses a forged Host', async () => {
    const running = await server({ token: 'mcp-secret' });
    await expect(httpAgent(running.mcpUrl)).rejects.toThrow();
    await expect(httpAgent(running.mcpUrl, { Authorization: 'Bearer wrong' })).rejects.toThrow();
    const client = await httpAgent(running.mcpUrl, { Authorization: 'Bearer mcp-secret' });
    expect((await client.listTools()).tools.length).toBe(DESIGN_TOOLS.length);
    const forged = await fetch(running.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer mcp-secret',
        origin: 'https://evil.example',
      },
      body: '{}',
    });
    expect(forged.status).toBe(403);
  }, 30_000);
});

describe('/mcp sessions', () => {
  it('a closed session is removed and gives its work back; an idle one is dropped', async () => {
    const running = await server({ mcpIdleMs: 400, leaseTtlMs: 600_000 });
    const first = await httpAgent(running.mcpUrl, { 'X-Worker-Id': 'closer' });
    await call(first, 'add_task', { id: 'held', description: 'x' });
    await call(first, 'claim_next_task');
    expect(running.mcpSessions()).toBe(1);
    await endSession(first);
    await eventually(async () => running.mcpSessions() === 0);
    await eventually(async () => (await running.store.getTask({ taskId: 'held' })).status === 'available');

    // A client that goes without DELETE (its connections closed) is dropped after the idle time.
    const idle = await httpAgent(running.mcpUrl);
    await idle.listTools();
    expect(running.mcpSessions()).toBe(1);
    await idle.close();
    await eventually(async () => running.mcpSessions() === 0, 20_000);
  }, 30_000);

  it("an open session keeps its worker's claim alive past the lease TTL", async () => {
    const clock = fakeClock(Date.now());
    const running = await server({ leaseTtlMs: 1200, sweepIntervalMs: 3_600_000 }, { clock: clock.now });
    const client = await httpAgent(running.mcpUrl, { 'X-Worker-Id': 'thinker' });
    await call(client, 'add_task', { id: 'deep', description: 'long thought' });
    await call(client, 'claim_next_task');
    // Three times: the clock moves 2/3 of a TTL, the session's heartbeat renews the lease, a sweep runs.
    for (let i = 0; i < 3; i++) {
      clock.advance(800);
      await leaseRenewed(running, clock.now, 'deep', 1200);
      await running.sweep();
    }
    expect(await running.store.getTask({ taskId: 'deep' })).toMatchObject({
      status: 'claimed',
      worker: 'thinker',
      attempts: 0,
    });
    expect((await call(client, 'update_task', { taskId: 'deep', status: 'done' })).isError).toBeFalsy();
  }, 30_000);

  it("closing one of two sessions of the same worker leaves the other's claim alone", async () => {
    const running = await server({ leaseTtlMs: 600_000 });
    const a = await httpAgent(running.mcpUrl, { 'X-Worker-Id': 'shared' });
    const b = await httpAgent(running.mcpUrl, { 'X-Worker-Id': 'shared' });
    await call(b, 'add_task', { id: 'kept', description: 'x' });
    await call(b, 'claim_next_task');
    await endSession(a);
    await eventually(async () => running.mcpSessions() === 1);
    expect((await running.store.getTask({ taskId: 'kept' })).status).toBe('claimed');
  }, 30_000);
});
