// Security defaults: tokens everywhere, DNS-rebinding and cross-site refusals, body limits, no stack traces.
import { request } from 'node:http';
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '@task-coordinator/core/testing';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { DEFAULTS, parseConfig, ROUTES, startServer, StartupError } from '../src/index.js';
import { client, LEGACY_ROUTES, startTestServer, tempDb } from './helpers.js';

/** A raw request with full control of the Host header (fetch does not allow setting it). */
function rawRequest(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function socketError(
  url: string,
  auth: Record<string, unknown>,
): Promise<{ message: string; data?: { code?: string } }> {
  return new Promise((resolve) => {
    const socket = connect(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      socket.disconnect();
      resolve({ message: error.message, ...(error.data ? { data: error.data } : {}) });
    });
    socket.on('connect', () => {
      socket.disconnect();
      resolve({ message: 'connected' });
    });
  });
}

describe('with a token', () => {
  const token = 's3cret-token';

  it('every REST route, original endpoint and /mcp answers 401 without the token or with a wrong one', async () => {
    const server = await startTestServer({ token });
    const every = [
      ...ROUTES.map(
        (r) => [r.method.toUpperCase(), `/api/v1${r.path.replace(':id', 'x').replace(':slot', '1')}`] as const,
      ),
      ...LEGACY_ROUTES,
      ['GET', '/api/openapi.json'],
      ['GET', '/api/v1/no-such-route'],
      ['POST', '/mcp'],
      ['GET', '/mcp'],
      ['DELETE', '/mcp'],
    ] as const;
    expect(every.length).toBeGreaterThan(30);
    for (const anonymous of [
      client(server.apiUrl),
      client(server.apiUrl, 'wrong-token'),
      client(server.apiUrl, `${token}x`),
    ]) {
      for (const [method, path] of every) {
        const res =
          method === 'GET'
            ? await anonymous.get(path)
            : await anonymous.raw(path, { method, headers: { 'content-type': 'application/json' }, body: '{}' });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toContain('Bearer');
        const code = res.body.error?.code ?? res.body.code;
        expect(code, `${method} ${path}`).toBe('UNAUTHORIZED');
      }
    }
    expect((await server.http.get('/api/v1/tasks')).status).toBe(200);
    expect((await server.http.raw('/api/claim-worker-slot', { method: 'POST' })).body).toMatchObject({ success: true });
  });

  it('/api/health stays open for probes but reveals nothing else without the token', async () => {
    const server = await startTestServer({ token });
    const open = await client(server.apiUrl).get('/api/health');
    expect(open.status).toBe(200);
    expect(open.body).toEqual({ status: 'ok' });
    const full = await server.http.get('/api/health');
    expect(full.body).toMatchObject({
      status: 'ok',
      store: { kind: 'sqlite', reachable: true },
      version: expect.any(String),
    });
  });

  it('Socket.IO refuses a handshake without the token or with a wrong one, and accepts the right one', async () => {
    const { apiUrl } = await startTestServer({ token });
    expect(await socketError(apiUrl, {})).toMatchObject({ message: 'UNAUTHORIZED', data: { code: 'UNAUTHORIZED' } });
    expect(await socketError(apiUrl, { token: 'nope' })).toMatchObject({ message: 'UNAUTHORIZED' });
    expect(await socketError(apiUrl, { token })).toEqual({ message: 'connected' });
  });
});

describe('binding', () => {
  it('refuses a non-loopback bind without a token, unless told --insecure', async () => {
    const error = await startServer({ ...DEFAULTS, host: '0.0.0.0', port: 0, dashboardPort: null, db: tempDb() }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toContain('without a token');
    const insecure = await startServer(
      { ...DEFAULTS, host: '0.0.0.0', port: 0, dashboardPort: null, db: tempDb(), insecure: true },
      { log: () => undefined },
    );
    await insecure.close();
    const withToken = await startServer(
      { ...DEFAULTS, host: '0.0.0.0', port: 0, dashboardPort: null, db: tempDb(), token: 't' },
      { log: () => undefined },
    );
    await withToken.close();
  });
});

describe('DNS rebinding and cross-site requests', () => {
  it('a forged Host header on loopback is refused with 403', async () => {
    const { port } = await startTestServer();
    const forged = await rawRequest(port, '/api/v1/tasks', { host: 'attacker.example:3335' });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('FORBIDDEN');
    const legacy = await rawRequest(port, '/api/clean-all-tasks', { host: 'attacker.example' }, 'POST');
    expect(legacy.status).toBe(403);
    expect((await rawRequest(port, '/api/v1/tasks', { host: `localhost:${port}` })).status).toBe(200);
  });

  it('a cross-site request is refused even without CORS (a simple POST would otherwise go through)', async () => {
    const { port, http } = await startTestServer();
    await http.post('/api/v1/tasks', { id: 'keep-me', description: 'x' });
    const wipe = await rawRequest(
      port,
      '/api/clean-all-tasks',
      { host: `127.0.0.1:${port}`, origin: 'https://evil.example', 'content-type': 'text/plain' },
      'POST',
      'x',
    );
    expect(wipe.status).toBe(403);
    expect((await http.get('/api/v1/tasks/keep-me')).status).toBe(200);
    const sameOrigin = await rawRequest(port, '/api/v1/tasks', {
      host: `127.0.0.1:${port}`,
      origin: `http://127.0.0.1:${port}`,
    });
    expect(sameOrigin.status).toBe(200);
    const res = await http.get('/api/v1/tasks', { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('bounded input, quiet errors', () => {
  it('a body over the limit is 413 PAYLOAD_TOO_LARGE and changes nothing', async () => {
    const { http } = await startTestServer({ bodyLimitBytes: 64 * 1024 });
    const res = await http.post('/api/v1/tasks', { id: 'big', description: 'x'.repeat(100 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const legacy = await http.post('/api/add-task', { id: 'big', description: 'x'.repeat(100 * 1024) });
    expect(legacy.status).toBe(413);
    expect(legacy.body).toMatchObject({ success: false, code: 'PAYLOAD_TOO_LARGE' });
    expect((await http.get('/api/v1/tasks')).body.tasks).toEqual([]);
  });

  it('a request line over the parser limit gets 431 with its code (X-Error-Code: HEADERS_TOO_LARGE), not a bare status line', async () => {
    const { http } = await startTestServer();
    const res = await http.get(`/api/v1/tasks?text=${'x'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    expect(res.headers.get('x-error-code')).toBe('HEADERS_TOO_LARGE');
    expect((await http.get('/api/v1/tasks')).status).toBe(200);
  });

  it('no answer carries a stack trace', async () => {
    const { http } = await startTestServer();
    for (const res of [
      await http.raw('/api/v1/tasks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"description": ',
      }),
      await http.post('/api/v1/tasks', { description: 42 }),
      await http.get('/api/v1/tasks/%E0%A4%A'),
      await http.post('/api/update-task', { taskId: {}, status: 'done' }),
    ]) {
      expect(res.status).toBeLessThan(500);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    }
  });
});

describe('named tokens and the audit trail', () => {
  const tokens = [
    { name: 'alice', secret: 'alice-secret' },
    { name: 'ci-bot', secret: 'bot-secret' },
  ];

  it('each named token gets in; the unnamed one keeps working beside them; anything else is 401', async () => {
    const server = await startTestServer({ token: 'plain', tokens });
    for (const secret of ['plain', 'alice-secret', 'bot-secret'])
      expect((await client(server.apiUrl, secret).get('/api/v1/tasks')).status).toBe(200);
    for (const secret of ['alice', 'alice:alice-secret', 'bot-secre', 'plainplain'])
      expect((await client(server.apiUrl, secret).get('/api/v1/tasks')).status).toBe(401);
    expect(await socketError(server.apiUrl, { token: 'bot-secret' })).toEqual({ message: 'connected' });
    expect(await socketError(server.apiUrl, { token: 'alice' })).toMatchObject({ message: 'UNAUTHORIZED' });
  });

  it('every change records the token name and the worker that made it (REST, original endpoints, /mcp); the sweeper records none', async () => {
    // The injected clock: the bot's lease runs out when the test says so, not when a busy machine is slow.
    const clock = fakeClock(Date.now());
    const server = await startTestServer({ tokens, leaseTtlMs: 1000 }, { clock: clock.now });
    const alice = client(server.apiUrl, 'alice-secret');
    const bot = client(server.apiUrl, 'bot-secret');
    await alice.post('/api/v1/tasks', {
      tasks: [
        { id: 'a', description: 'a' },
        { id: 'b', description: 'b' },
        { id: 'c', description: 'c' },
      ],
    });
    await bot.post('/api/v1/claim-next', { workerId: 'bot-1' }, { headers: { 'x-worker-id': 'bot-1' } });
    await alice.post('/api/claim-worker-slot');
    // Over /mcp, with the SDK's client: the session's worker.
    const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), {
      requestInit: { headers: { authorization: 'Bearer alice-secret', 'x-worker-id': 'alice-agent' } },
    });
    const mcp = new McpClient({ name: 'audit-test', version: '1.0.0' });
    await mcp.connect(transport);
    const claimed = await mcp.callTool({ name: 'claim_next_task', arguments: {} });
    expect(claimed.isError).toBeFalsy();
    await transport.terminateSession();
    await mcp.close();

    const history = async (id: string) =>
      (await alice.get(`/api/v1/tasks/${id}/history`)).body.events as Array<{
        type: string;
        data: { actor?: unknown };
      }>;
    expect((await history('a')).map((e) => [e.type, e.data.actor])).toEqual([
      ['task.added', { token: 'alice' }],
      ['task.claimed', { token: 'ci-bot', worker: 'bot-1' }],
    ]);
    const b = await history('b');
    expect(b[1]).toMatchObject({ type: 'task.claimed', data: { actor: { token: 'alice', worker: 'alice-agent' } } });
    // Closing the session gave its task back, recorded as the same worker.
    expect(b[2]).toMatchObject({ type: 'task.released', data: { actor: { token: 'alice', worker: 'alice-agent' } } });
    const events = (await alice.get('/api/v1/events?limit=100')).body.events as Array<{
      type: string;
      slot: number | null;
      data: { actor?: unknown };
    }>;
    expect(events.find((e) => e.type === 'slot.claimed' && e.slot === 2)?.data.actor).toEqual({ token: 'alice' });
    // The bot's lease runs out: the sweeper's change has no actor.
    clock.advance(10_000);
    await server.sweep();
    const expired = (await history('a')).find((e) => e.type === 'task.expired');
    expect(expired).toBeDefined();
    expect(expired!.data.actor).toBeUndefined();
  });

  it('flags and environment: --token name:secret repeated, TC_TOKENS, TC_TOKEN taken whole; duplicates refused', () => {
    const serve = (argv: string[], env: Record<string, string> = {}) => {
      const parsed = parseConfig(argv, env);
      if (parsed.kind !== 'serve') throw new Error('not serve');
      return parsed.config;
    };
    expect(serve(['--token', 'alice:s1', '--token', 'bob:s2', '--token', 'plain'])).toMatchObject({
      token: 'plain',
      tokens: [
        { name: 'alice', secret: 's1' },
        { name: 'bob', secret: 's2' },
      ],
    });
    expect(serve([], { TC_TOKENS: 'alice:s1, bob:s2', TC_TOKEN: 'x:y' })).toMatchObject({
      token: 'x:y',
      tokens: [{ name: 'alice' }, { name: 'bob' }],
    });
    expect(serve(['--token', 'abc'])).toMatchObject({ token: 'abc', tokens: [] });
    expect(() => serve(['--token', 'a:1', '--token', 'a:2'])).toThrow(/twice/);
    expect(() => serve(['--token', 'a:1', '--token', 'b:1'])).toThrow(/same secret/);
    expect(() => serve(['--token', 'one', '--token', 'two'])).toThrow(/only one unnamed/);
    expect(serve(['--rate-limit', '20'])).toMatchObject({ rateLimit: { perSecond: 20, burst: 40 } });
    expect(serve(['--rate-limit', '5', '--rate-burst', '8'])).toMatchObject({ rateLimit: { perSecond: 5, burst: 8 } });
    expect(serve(['--rate-limit', '0']).rateLimit).toBeNull();
    expect(() => serve(['--rate-limit', 'lots'])).toThrow(/requests per second/);
  });

  it('a non-loopback bind with only named tokens is allowed (they are tokens)', async () => {
    const server = await startServer(
      { ...DEFAULTS, host: '0.0.0.0', port: 0, dashboardPort: null, db: tempDb(), tokens },
      { log: () => undefined },
    );
    await server.close();
  });
});

describe('rate limiting', () => {
  it('an abusive client gets 429 RATE_LIMITED (with Retry-After) while another client goes on untouched', async () => {
    const server = await startTestServer({
      tokens: [
        { name: 'abuser', secret: 'abuse' },
        { name: 'polite', secret: 'nice' },
      ],
      rateLimit: { perSecond: 1, burst: 5 },
    });
    const abuser = client(server.apiUrl, 'abuse');
    const polite = client(server.apiUrl, 'nice');
    // 40 requests at once: the bucket holds 5 and refills one a second.
    const flood = await Promise.all(Array.from({ length: 40 }, () => abuser.get('/api/v1/tasks')));
    const limited = flood.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(30);
    expect(limited[0]!.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const legacy = await abuser.post('/api/add-task', { id: 'x', description: 'x' });
    expect(legacy.status).toBe(429);
    expect(legacy.body).toMatchObject({ success: false, code: 'RATE_LIMITED' });
    // A Socket.IO handshake is an HTTP request too: limited by the token in its Authorization header.
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(server.apiUrl, {
        extraHeaders: { authorization: 'Bearer abuse' },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      socket.on('connect_error', (error) => {
        socket.disconnect();
        resolve(error.message);
      });
      socket.on('connect', () => {
        socket.disconnect();
        resolve('connected');
      });
    });
    expect(refused).not.toBe('connected');
    // The other client is not slowed: its burst is its own.
    for (let i = 0; i < 4; i++) expect((await polite.get('/api/v1/tasks')).status).toBe(200);
    // Health probes are never limited.
    expect((await abuser.get('/api/health')).status).toBe(200);
    expect((await polite.get('/api/v1/tasks/x')).status).toBe(404);
  });
});
