// The listing: compact schemas keep every property, type and required field of the zod-generated ones;
// built once per profile; profiles offer what they promise, over stdio and /mcp.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compactSchema, PROFILES, profileTools, toolListing, TOOLS } from '@task-coordinator/mcp-tools';
import { httpAgent, server, stdioAgent } from './helpers.js';

/** What a schema promises a caller: types, properties (by name, recursively), required, items, alternatives. */
function skeleton(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if ('type' in s) out.type = s.type;
  if ('enum' in s) out.enum = s.enum;
  if ('const' in s) out.const = s.const;
  if (s.properties) {
    out.properties = Object.fromEntries(
      Object.entries(s.properties as Record<string, unknown>).map(([name, inner]) => [name, skeleton(inner)]),
    );
  }
  if (s.required) out.required = [...(s.required as string[])].sort();
  if (s.items) out.items = skeleton(s.items);
  for (const key of ['anyOf', 'oneOf', 'allOf']) if (s[key]) out[key] = (s[key] as unknown[]).map(skeleton);
  return out;
}

describe('compact tool schemas', () => {
  it.each(TOOLS.map((tool) => [tool.name, tool] as const))(
    '%s: the same properties, types and required fields as the full zod schema',
    (_name, tool) => {
      for (const io of ['input', 'output'] as const) {
        const shape = io === 'input' ? tool.input : tool.output;
        const full = z.toJSONSchema(z.object(shape), { target: 'draft-2020-12', io, unrepresentable: 'any' });
        expect(skeleton(compactSchema(shape, io))).toEqual(skeleton(full));
      }
    },
  );

  it('add_tasks items keep their `description` property (a name, not an annotation)', () => {
    const addTasks = toolListing('full').find((tool) => tool.name === 'add_tasks')!;
    const items = (addTasks.inputSchema.properties!.tasks as { items: Record<string, any> }).items;
    expect(items.required).toContain('description');
    expect(items.properties.description).toMatchObject({ type: 'string' });
    // Annotations inside items are still dropped.
    expect(JSON.stringify(items)).not.toMatch(/"description":"/);
  });

  it('every structured result carries `next`', () => {
    for (const tool of toolListing('full')) {
      expect(tool.outputSchema?.required, tool.name).toContain('next');
    }
  });
});

describe('tool profiles', () => {
  it('core covers the workflow in at most 6 tools; original is the original ten; full is every tool', () => {
    expect(PROFILES.core.length).toBeLessThanOrEqual(6);
    expect(profileTools('core').map((t) => t.name)).toEqual(
      expect.arrayContaining(['claim_next_task', 'update_task', 'get_task', 'add_tasks', 'release_task']),
    );
    expect(profileTools('original')).toHaveLength(10);
    expect(profileTools('full')).toHaveLength(TOOLS.length);
  });

  it('the listing is built once per profile and shared', () => {
    expect(toolListing('core')).toBe(toolListing('core'));
    expect(toolListing('full')).not.toBe(toolListing('core'));
  });

  it('TASK_COORDINATOR_TOOLS on stdio and ?tools= on /mcp choose the profile; an unknown one is refused', async () => {
    const running = await server();
    const stdio = await stdioAgent(running.apiUrl, { TASK_COORDINATOR_TOOLS: 'core' });
    expect((await stdio.client.listTools()).tools.map((t) => t.name)).toEqual(profileTools('core').map((t) => t.name));
    const http = await httpAgent(`${running.mcpUrl}?tools=original`);
    const original = (await http.listTools()).tools;
    expect(original.map((t) => t.name).sort()).toEqual([...PROFILES.original].sort());
    expect(original).toMatchObject(toolListing('original'));
    // A tool outside the profile is not there.
    await expect(http.callTool({ name: 'claim_next_task', arguments: {} })).rejects.toThrow(/not found/);

    const refused = await fetch(`${running.mcpUrl}?tools=everything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as any).error).toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(stdioAgent(running.apiUrl, { TASK_COORDINATOR_TOOLS: 'everything' })).rejects.toThrow();
  }, 60_000);

  it('original tools accept slot numbers as text', async () => {
    const running = await server();
    await running.store.addTask({ id: 't', description: 't' });
    const client = await httpAgent(`${running.mcpUrl}?tools=original`, { 'X-Worker-Id': 'old' });
    await client.listTools();
    const slot = (await client.callTool({ name: 'claim_worker_slot', arguments: {} })).structuredContent as any;
    const claimed = await client.callTool({
      name: 'claim_task',
      arguments: { taskId: 't', workerSlot: String(slot.slot) },
    });
    expect(claimed.isError).toBeFalsy();
    const released = await client.callTool({ name: 'release_worker_slot', arguments: { slot: `${slot.slot}` } });
    expect(released.structuredContent).toMatchObject({ released: true, releasedTask: 't' });
    const bad = await client.callTool({ name: 'release_worker_slot', arguments: { slot: 'one' } });
    expect(bad.isError).toBe(true);
  }, 30_000);
});
