// Hostile input (the short version of the drill): generated malformed requests across every route.
// Zero 5xx, zero crashes, every rejection carries a code, and a rejected request changes nothing.
import { request } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snapshot } from '@task-coordinator/core/testing';
import { ROUTES } from '../src/index.js';
import { LEGACY_ROUTES, startTestServer } from './helpers.js';

const V1_PATHS = ROUTES.map((r) => `/api/v1${r.path}`);
const LEGACY_PATHS = LEGACY_ROUTES.map(([, p]) => p);

const nasty = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  '../../etc/passwd',
  'a/b',
  '..',
  '.',
  'nul\u0000byte',
  '\uD800',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'é'.repeat(70_000),
  '',
  ' ',
  'seed',
  'w',
  '1e309',
  'toString',
);
const scalar = fc.oneof(
  nasty,
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308, -1e308, 2 ** 53 + 1),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.oneof(nasty, fc.string({ maxLength: 12 })), tie('node'), { maxKeys: 4 })),
})).node;
const fieldNames = fc.constantFrom('id', 'taskId', 'workerId', 'workerSlot', 'slot', 'description', 'dependencies', 'tasks', 'status', 'priority', 'labels', 'deadline', 'wait', 'output', 'error', 'retry', 'force', 'project', 'maxAttempts', 'leaseTtlMs', '__proto__');
const body = fc.oneof(
  fc.dictionary(fieldNames, value, { maxKeys: 6 }).map((o) => ({ json: JSON.stringify(o) })),
  value.map((v) => ({ json: JSON.stringify(v) ?? 'null' })),
  fc.constantFrom(
    { raw: Buffer.from('{"description": "\xff\xfe"}', 'latin1') },
    { raw: Buffer.from('{"id": "a", "description": "x",') },
    { raw: Buffer.from('['.repeat(50_000) + ']'.repeat(50_000)) },
    { raw: Buffer.from(`{"tasks": [${Array.from({ length: 300 }, (_, i) => `{"id":"t${i}","description":"x","dependencies":[${Array.from({ length: 40 }, (_, j) => `"d${j}"`).join(',')}]}`).join(',')}]}`) },
    { raw: Buffer.from(`{"id":"big","description":"${'x'.repeat(5 * 1024 * 1024)}"}`) },
    { raw: Buffer.from('{"id":"a","dependencies":' + JSON.stringify(Array.from({ length: 10_000 }, (_, i) => `dep-${i}`)) + ',"description":"x"}') },
    { raw: Buffer.from('not json at all') },
  ),
);
const encode = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80'; // a lone surrogate, as raw bytes
  }
};
const segment = fc.oneof(nasty.map(encode), fc.constantFrom('%', '%E0%A4%A', '%00', '..%2F..', 'seed', '1', '0', '-1', '99999999999'));
const path = fc.oneof(
  fc.tuple(fc.constantFrom(...V1_PATHS), segment, segment).map(([p, a, b]) => p.replace(':id', a).replace(':slot', b)),
  fc.constantFrom(...LEGACY_PATHS),
  fc.tuple(fc.constantFrom('/api/v1/', '/api/', '/'), segment).map(([p, s]) => `${p}${s}`),
);
const query = fc.option(
  fc.array(fc.tuple(fc.constantFrom('status', 'limit', 'cursor', 'project', 'label', 'worker', 'text', 'afterSeq', 'wait', '__proto__', 'constructor'), segment), { maxLength: 3 }).map(
    (pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'),
  ),
  { nil: undefined },
);
const method = fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD');
const contentType = fc.constantFrom('application/json', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json', undefined);

function send(port: number, m: string, p: string, headers: Record<string, string>, payload: Buffer | undefined) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: m, path: p, headers: { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve({ status: 413, text: '' }) : reject(error)));
    req.end(payload);
  });
}

describe('hostile input', () => {
  it('generated malformed requests across every route: no 5xx, every rejection coded, nothing changed by a rejection', async () => {
    const server = await startTestServer({ bodyLimitBytes: 1024 * 1024 });
    const { http, store, port } = server;
    // Something to damage: tasks, a held slot, a claim.
    await http.post('/api/v1/tasks', { tasks: [{ id: 'seed', description: 'x' }, { id: 'child', description: 'y', dependencies: ['seed'] }] });
    await http.post('/api/v1/claim-next', { workerId: 'w' });
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(method, path, query, body, contentType, async (m, p, q, b, type) => {
        requests++;
        const before = await snapshot(store);
        const payload = m === 'GET' || m === 'HEAD' ? undefined : 'raw' in b ? b.raw : Buffer.from(b.json as string);
        const res = await send(port, m, q ? `${p}?${q}` : p, type ? { 'content-type': type } : {}, payload);
        expect(res.status, `${m} ${p} ${res.text.slice(0, 200)}`).toBeLessThan(500);
        expect(res.status).toBeGreaterThanOrEqual(200);
        if (res.status >= 400 && m !== 'HEAD' && res.text) {
          const parsed = JSON.parse(res.text) as { error?: { code?: string }; code?: string };
          expect(parsed.error?.code ?? parsed.code, res.text.slice(0, 200)).toMatch(/^[A-Z_]+$/);
          expect(await snapshot(store)).toEqual(before);
        }
      }),
      { numRuns: Number(process.env.TC_HOSTILE_RUNS ?? 1500) },
    );
    expect(requests).toBeGreaterThanOrEqual(1500);
    expect(server.logged.filter((line) => line.startsWith('internal error'))).toEqual([]);
    expect((await http.get('/api/health')).body.status).toBe('ok');
  }, 300_000);
});
