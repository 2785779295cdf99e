// /mcp sessions let go: leases are renewed only while the client shows signs of life, so a client that
// vanishes without DELETE gives its work back within one lease TTL of its last sign of life.
import { describe, expect, it } from 'vitest';
import { fakeClock } from '@task-coordinator/core/testing';
import { call, eventually, httpAgent, server } from './helpers.js';

const TTL = 10_000;

describe('/mcp sessions that let go', () => {
  it('a client gone without DELETE loses its claim within one TTL; a live one keeps its claim for as long as it stays', async () => {
    const clock = fakeClock(Date.now());
    const running = await server({ leaseTtlMs: TTL, sweepIntervalMs: 60_000 }, { clock: clock.now });
    await running.store.addTasks({
      tasks: [
        { id: 'kept', description: 'held by a live client', priority: 1 },
        { id: 'dropped', description: 'held by a client that vanishes' },
      ],
    });
    const live = await httpAgent(running.mcpUrl, { 'X-Worker-Id': 'live-agent' });
    const gone = await httpAgent(running.mcpUrl, { 'X-Worker-Id': 'gone-agent' });
    for (const client of [live, gone]) await client.listTools();
    expect((await call(live, 'claim_next_task')).structuredContent.task.id).toBe('kept');
    expect((await call(gone, 'claim_next_task')).structuredContent.task.id).toBe('dropped');
    // Both clients hold their event stream open: both are alive.
    await eventually(() => running.mcpLiveSessions() === 2);

    // The second client goes away the way MCP Inspector does: connections closed, no DELETE.
    await gone.close();
    await eventually(() => running.mcpLiveSessions() === 1);
    expect(running.mcpSessions()).toBe(2);
    const lastSignOfLife = clock.now();

    clock.advance(TTL / 2);
    await running.sweep();
    expect((await running.store.getTask({ taskId: 'dropped' })).status).toBe('claimed');
    clock.advance(TTL / 2 + 1);
    await running.sweep();
    const dropped = await running.store.getTask({ taskId: 'dropped' });
    expect(dropped).toMatchObject({ status: 'available', worker: null });
    expect(clock.now() - lastSignOfLife).toBeLessThanOrEqual(TTL + 1);
    expect((await running.store.listSlots()).filter((s) => !s.free).map((s) => s.worker)).toEqual(['live-agent']);

    // The live client thinks for three TTLs without a call: its open stream keeps its claim.
    for (let i = 0; i < 6; i++) {
      clock.advance(TTL / 2);
      await running.sweep();
    }
    expect(await running.store.getTask({ taskId: 'kept' })).toMatchObject({ status: 'claimed', worker: 'live-agent' });
    expect((await call(live, 'update_task', { taskId: 'kept', status: 'done' })).isError).toBeFalsy();
  });

  it('each request is a sign of life: a client without an event stream keeps its claim while it calls', async () => {
    const clock = fakeClock(Date.now());
    const running = await server({ leaseTtlMs: TTL, sweepIntervalMs: 60_000 }, { clock: clock.now });
    await running.store.addTasks({
      tasks: [
        { id: 'busy', description: 'its holder keeps calling', priority: 1 },
        { id: 'quiet', description: 'its holder stops calling' },
      ],
    });
    // Plain JSON-RPC over POST, no GET stream: only the requests show the client is there.
    const busy = await rawSession(running.mcpUrl, 'busy-agent');
    const quiet = await rawSession(running.mcpUrl, 'quiet-agent');
    expect((await busy.call('claim_next_task')).structuredContent.task.id).toBe('busy');
    expect((await quiet.call('claim_next_task')).structuredContent.task.id).toBe('quiet');
    await eventually(() => running.mcpLiveSessions() === 0);
    for (let i = 0; i < 4; i++) {
      clock.advance(TTL * 0.6);
      await busy.call('get_task', { taskId: 'busy' });
      await running.sweep();
    }
    expect(await running.store.getTask({ taskId: 'busy' })).toMatchObject({ status: 'claimed', worker: 'busy-agent' });
    expect(await running.store.getTask({ taskId: 'quiet' })).toMatchObject({ status: 'available', worker: null });
  });
});

/** An MCP session driven by hand: initialize, then tools/call, each a POST whose answer is read to its end. */
async function rawSession(url: string, workerId: string) {
  let sessionId = '';
  let id = 0;
  const post = async (body: unknown) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-worker-id': workerId,
        ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } : {}),
      },
      body: JSON.stringify(body),
    });
    sessionId ||= res.headers.get('mcp-session-id') ?? '';
    const text = await res.text();
    const data = text.split('\n').find((line) => line.startsWith('data: '));
    return data ? JSON.parse(data.slice(6)) : text ? JSON.parse(text) : null;
  };
  await post({
    jsonrpc: '2.0',
    id: ++id,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await post({ jsonrpc: '2.0', id: ++id, method: 'tools/list' });
  return {
    call: async (name: string, args: Record<string, unknown> = {}) =>
      (await post({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name, arguments: args } })).result,
  };
}
