// Security defaults: tokens everywhere, DNS-rebinding and cross-site refusals, body limits, no stack traces.
import { request } from 'node:http';
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, startServer, StartupError } from '../src/index.js';
import { client, startTestServer, tempDb } from './helpers.js';

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

function socketError(url: string, auth: Record<string, unknown>): Promise<{ message: string; data?: { code?: string } }> {
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

  it('every REST route and original endpoint answers 401 without the token or with a wrong one', async () => {
    const server = await startTestServer({ token });
    for (const anonymous of [client(server.apiUrl), client(server.apiUrl, 'wrong-token')]) {
      for (const [method, path] of [
        ['GET', '/api/v1/tasks'],
        ['POST', '/api/v1/tasks'],
        ['POST', '/api/v1/claim-next'],
        ['GET', '/api/v1/events'],
        ['GET', '/api/openapi.json'],
        ['POST', '/api/claim-worker-slot'],
        ['GET', '/api/all-tasks'],
        ['POST', '/api/clean-all-tasks'],
        ['GET', '/api/v1/no-such-route'],
      ] as const) {
        const res = method === 'GET' ? await anonymous.get(path) : await anonymous.post(path, {});
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toContain('Bearer');
        const code = res.body.error?.code ?? res.body.code;
        expect(code).toBe('UNAUTHORIZED');
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
    expect(full.body).toMatchObject({ status: 'ok', store: { kind: 'sqlite', reachable: true }, version: expect.any(String) });
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
    const error = await startServer({ ...DEFAULTS, host: '0.0.0.0', port: 0, dashboardPort: null, db: tempDb() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toContain('without a token');
    const insecure = await startServer({ ...DEFAULTS, host: '0.0.0.0', port: 0, dashboardPort: null, db: tempDb(), insecure: true }, { log: () => undefined });
    await insecure.close();
    const withToken = await startServer({ ...DEFAULTS, host: '0.0.0.0', port: 0, dashboardPort: null, db: tempDb(), token: 't' }, { log: () => undefined });
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
    const wipe = await rawRequest(port, '/api/clean-all-tasks', { host: `127.0.0.1:${port}`, origin: 'https://evil.example', 'content-type': 'text/plain' }, 'POST', 'x');
    expect(wipe.status).toBe(403);
    expect((await http.get('/api/v1/tasks/keep-me')).status).toBe(200);
    const sameOrigin = await rawRequest(port, '/api/v1/tasks', { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` });
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

  it('no answer carries a stack trace', async () => {
    const { http } = await startTestServer();
    for (const res of [
      await http.raw('/api/v1/tasks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"description": ' }),
      await http.post('/api/v1/tasks', { description: 42 }),
      await http.get('/api/v1/tasks/%E0%A4%A'),
      await http.post('/api/update-task', { taskId: {}, status: 'done' }),
    ]) {
      expect(res.status).toBeLessThan(500);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    }
  });
});
