// Two projects on one server are two boards: isolated through REST, MCP (stdio and /mcp) and Socket.IO.
import { io as connect, type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { call, eventually, httpAgent, server, stdioAgent } from './helpers.js';

async function rest(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('projects', () => {
  it("agents of one project never see or claim another project's tasks; slots and live events are per project", async () => {
    const running = await server({ slots: 1, projectSlots: { beta: 2 } });
    const api = running.apiUrl;

    // The same ids in both projects, added over REST.
    for (const project of ['alpha', 'beta']) {
      const res = await rest(api, 'POST', '/api/v1/tasks', {
        project,
        tasks: [
          { id: 'shared-id', description: `${project} work` },
          { id: `${project}-only`, description: `${project} only` },
        ],
      });
      expect(res.status).toBe(201);
    }

    // Live feeds: a Socket.IO client per project sees only its project's events.
    const seen: Record<string, Array<{ project: string; taskId: string | null; type: string }>> = {
      alpha: [],
      beta: [],
    };
    const sockets: Socket[] = [];
    for (const project of ['alpha', 'beta']) {
      const socket = connect(api, { auth: { project, lastSeq: 0 }, transports: ['websocket'], reconnection: false });
      sockets.push(socket);
      socket.on('event', (event) => seen[project]!.push(event));
      await new Promise<void>((resolve) => socket.once('ready', () => resolve()));
    }

    try {
      // MCP: a stdio agent on alpha (TASK_COORDINATOR_PROJECT), /mcp agents on beta (?project=) and alpha (X-Project).
      const stdioAlpha = await stdioAgent(api, {
        TASK_COORDINATOR_PROJECT: 'alpha',
        TASK_COORDINATOR_WORKER_ID: 'stdio-alpha',
      });
      const httpBeta = await httpAgent(`${running.mcpUrl}?project=beta`, { 'x-worker-id': 'http-beta' });
      const httpAlpha = await httpAgent(running.mcpUrl, { 'x-project': 'alpha', 'x-worker-id': 'http-alpha' });

      const listed = await call(httpBeta, 'get_all_tasks');
      expect(
        listed.structuredContent.tasks
          .map((t: { id: string; description: string }) => `${t.id}:${t.description}`)
          .sort(),
      ).toEqual(['beta-only:beta only', 'shared-id:beta work']);
      expect((await call(httpBeta, 'get_task', { taskId: 'alpha-only' })).isError).toBe(true);

      const a = await call(stdioAlpha.client, 'claim_next_task', {});
      expect(a.structuredContent.task).toMatchObject({ id: 'shared-id', description: 'alpha work' });
      const b = await call(httpBeta, 'claim_next_task', {});
      expect(b.structuredContent.task).toMatchObject({ id: 'shared-id', description: 'beta work' });
      // alpha has one slot, held by the stdio agent: the second alpha agent gets no slot; beta had two.
      const full = await call(httpAlpha, 'claim_next_task', {});
      expect(full.isError).toBe(true);
      expect(JSON.stringify(full.content)).toContain('NO_FREE_SLOT');
      expect((await call(httpBeta, 'claim_worker_slot')).isError).toBeFalsy();

      // Finishing alpha's shared-id changes nothing in beta.
      expect(
        (await call(stdioAlpha.client, 'update_task', { taskId: 'shared-id', status: 'done', output: 'alpha done' }))
          .isError,
      ).toBeFalsy();
      expect((await rest(api, 'GET', '/api/v1/tasks/shared-id?project=beta')).body.task).toMatchObject({
        status: 'claimed',
        worker: 'http-beta',
        output: null,
      });
      expect((await rest(api, 'GET', '/api/v1/tasks/shared-id?project=alpha')).body.task).toMatchObject({
        status: 'done',
        output: 'alpha done',
      });

      // REST: listings, slots and stats are per project.
      expect(
        (await rest(api, 'GET', '/api/v1/tasks?project=alpha')).body.tasks.map((t: { id: string }) => t.id),
      ).toEqual(['shared-id', 'alpha-only']);
      expect(
        (await rest(api, 'GET', '/api/v1/slots?project=alpha')).body.slots.map(
          (s: { worker: string | null }) => s.worker,
        ),
      ).toEqual(['stdio-alpha']);
      expect(
        (await rest(api, 'GET', '/api/v1/slots?project=beta')).body.slots.map(
          (s: { worker: string | null }) => s.worker,
        ),
      ).toEqual(['http-beta', null]);
      expect((await rest(api, 'GET', '/api/v1/stats?project=beta')).body).toMatchObject({
        tasks: { claimed: 1, available: 1, done: 0 },
        slots: { total: 2, held: 1 },
      });
      const betaEvents = (await rest(api, 'GET', '/api/v1/events?project=beta&limit=1000')).body.events as Array<{
        project: string;
      }>;
      expect(betaEvents.every((e) => e.project === 'beta')).toBe(true);

      // Socket.IO: each client got its own project's events and none of the other's.
      await eventually(() => seen.alpha!.some((e) => e.type === 'task.completed'));
      await eventually(() => seen.beta!.some((e) => e.type === 'task.claimed'));
      expect(seen.alpha!.every((e) => e.project === 'alpha')).toBe(true);
      expect(seen.beta!.every((e) => e.project === 'beta')).toBe(true);
      expect(seen.beta!.some((e) => e.type === 'task.completed')).toBe(false);

      // A bad project is refused everywhere with a code.
      expect((await rest(api, 'GET', '/api/v1/tasks?project=no%20spaces')).body.error.code).toBe('VALIDATION_FAILED');
      await expect(httpAgent(`${running.mcpUrl}?project=no%20spaces`)).rejects.toThrow();
    } finally {
      for (const socket of sockets) socket.disconnect();
    }
  }, 60_000);
});
