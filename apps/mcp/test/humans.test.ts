// ask_human and add_note through the MCP SDK's stdio client (tools/list first), and the LEASE_LOST for another worker.
import { describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { call, eventually, server, stdioAgent, text } from './helpers.js';

describe('MCP: people in the loop', () => {
  it('ask_human waits with progress notifications and returns the answer a person gives; add_note hands over', async () => {
    const running = await server();
    const { client } = await stdioAgent(running.apiUrl, { TASK_COORDINATOR_WORKER_ID: 'agent-1' });
    const tools = (await client.listTools()).tools;
    const ask = tools.find((t) => t.name === 'ask_human');
    expect(ask?.inputSchema.properties).toHaveProperty('question');
    expect(tools.map((t) => t.name)).toContain('add_note');
    await call(client, 'add_task', { id: 't', description: 'Pick a database' });
    await call(client, 'claim_next_task');
    const progressMessages: string[] = [];
    const pending = client.callTool(
      {
        name: 'ask_human',
        arguments: { taskId: 't', question: 'SQLite or PostgreSQL?', options: ['SQLite', 'PostgreSQL'] },
      },
      undefined,
      { onprogress: (p) => progressMessages.push(p.message ?? ''), timeout: 120_000 },
    );
    const api = `${running.apiUrl}/api/v1`;
    await eventually(async () => ((await (await fetch(`${api}/needs-you`)).json()) as { count: number }).count === 1);
    const answer = await fetch(`${api}/tasks/t/answer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ option: 1, by: 'ann' }),
    });
    expect(answer.status).toBe(200);
    const result = (await pending) as { structuredContent?: any; content: Array<{ type: string; text?: string }> };
    expect(result.structuredContent).toMatchObject({
      task: { status: 'working' },
      answer: { text: 'PostgreSQL', answeredBy: 'ann' },
    });
    expect(text(result as never)).toContain('Answer from ann: PostgreSQL');
    expect(progressMessages[0]).toContain('waiting for an answer');

    const noted = await call(client, 'add_note', { taskId: 't', text: 'chose PostgreSQL per ann' });
    expect(noted.structuredContent).toMatchObject({ notes: 1 });
    expect(text(await call(client, 'get_task', { taskId: 't' }))).toContain('chose PostgreSQL per ann');
  }, 90_000);

  it('no answer within the wait: "no answer yet", and get_task picks the answer up later; LEASE_LOST for another worker', async () => {
    const running = await server();
    const { client } = await stdioAgent(running.apiUrl, { TASK_COORDINATOR_WORKER_ID: 'agent-2' });
    await client.listTools();
    await call(client, 'add_task', { id: 't', description: 't' });
    await call(client, 'claim_next_task');
    const working = await call(client, 'update_task', { taskId: 't', status: 'working', progress: 'reading code' });
    expect(working.isError).toBeFalsy();
    const asked = await call(client, 'ask_human', { taskId: 't', question: 'Keep the old API?', wait_seconds: 0 });
    expect(asked.structuredContent).toMatchObject({ task: { status: 'waiting' }, answer: null });
    expect(text(asked)).toContain('No answer yet');
    // Waiting is held: get_task tells its holder to keep waiting, and its line names the holder.
    const mine = text(await call(client, 'get_task', { taskId: 't' }));
    expect(mine).toContain('You hold it and wait for a person');
    expect(mine).toContain('(agent-2)');
    await fetch(`${running.apiUrl}/api/v1/tasks/t/answer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answer: 'yes' }),
    });
    expect(text(await call(client, 'get_task', { taskId: 't' }))).toContain('Answer to "Keep the old API?": yes');
    // Someone else's task: LEASE_LOST.
    const { client: other } = await stdioAgent(running.apiUrl, { TASK_COORDINATOR_WORKER_ID: 'agent-3' });
    await other.listTools();
    // Raw tools/call: the SDK client checks structured content against the output schema, and an
    // error result carries {error} instead.
    const lost = await other.request(
      {
        method: 'tools/call',
        params: { name: 'ask_human', arguments: { taskId: 't', question: 'mine?', wait_seconds: 0 } },
      },
      CallToolResultSchema,
    );
    expect(lost.isError).toBe(true);
    expect(text(lost)).toContain('LEASE_LOST');
  }, 90_000);
});
