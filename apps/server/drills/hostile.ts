// Hostile-input drill: generated malformed requests (fast-check) against a server process — every
// /api/v1 route, the original /api/* endpoints, Socket.IO handshakes and messages, MCP tool calls
// through the SDK's Client over /mcp, and raw JSON-RPC garbage to /mcp. Wrong types, missing and
// extra fields, bodies over the limit, deep nesting, invalid UTF-8 and odd Unicode, __proto__ and
// constructor keys, ids with '/', '..' and NUL, cycles, 10,000-item dependency lists, huge and
// negative numbers, unknown statuses, wrong methods.
//
// Expected: zero 5xx, zero crashes, every rejection carries an error code, and the SQLite file is
// unchanged by every rejected request (a full SQL dump compared before and after).
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { io as connect } from 'socket.io-client';
import { TOOL_NAMES } from '@task-coordinator/mcp-tools';
import { ROUTES } from '../src/routes/v1/index.js';
import { call, dumpDiff, dumpSqlite, LEGACY_ROUTES, spawnServer, type ServerProcess } from './support.js';

const LEGACY_PATHS = LEGACY_ROUTES.map(([, p]) => p);
const V1_PATHS = ROUTES.map((r) => `/api/v1${r.path}`);

// ---- the generators -------------------------------------------------------------------------

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
  '\uDFFF\uD800',
  '\u202Eevil\u202C',
  '\uFEFF',
  'e\u0301',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '<script>alert(1)</script>',
  'é'.repeat(70_000),
  '',
  ' ',
  'seed',
  'child',
  'w',
  'working',
  'done',
  'exploded',
  '1e309',
  'toString',
);
const scalar = fc.oneof(
  nasty,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308, -1e308, 2 ** 53 + 1, -0, 0.5),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nasty, fc.string({ maxLength: 12 })), tie('node'), { maxKeys: 4 }),
  ),
})).node;
const fieldNames = fc.constantFrom(
  'id',
  'taskId',
  'workerId',
  'workerSlot',
  'slot',
  'description',
  'dependencies',
  'tasks',
  'status',
  'priority',
  'labels',
  'deadline',
  'wait',
  'output',
  'error',
  'retry',
  'force',
  'project',
  'maxAttempts',
  'leaseTtlMs',
  '__proto__',
  'constructor',
);
/**
 * A valid `wait` makes a long-poll that legitimately holds its answer up to 60 s: that is the
 * feature, not hostile input (the long-poll tests cover it), and a run of them would stall the
 * drill. Such waits are cut to 0.1 s; invalid ones (negative, huge, not numbers) stay.
 */
const shortWaits = <T extends Record<string, unknown>>(o: T): T => {
  if (typeof o.wait === 'number' && o.wait > 0.1 && o.wait <= 60) (o as Record<string, unknown>).wait = 0.1;
  return o;
};
const fields = fc.dictionary(fieldNames, value, { maxKeys: 6 }).map(shortWaits);

const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const tenThousandDeps = JSON.stringify(Array.from({ length: 10_000 }, (_, i) => `dep-${i}`));
const FIXED_BODIES: Buffer[] = [
  Buffer.from('{"description": "\xff\xfe\xc0\xaf"}', 'latin1'), // invalid UTF-8
  Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // {"id":"<CESU surrogate>"}
  Buffer.from('{"id": "a", "description": "x",'),
  Buffer.from('['.repeat(50_000) + ']'.repeat(50_000)),
  Buffer.from(deep(20_000)),
  Buffer.from(
    `{"tasks": [${Array.from({ length: 300 }, (_, i) => `{"id":"t${i}","description":"x","dependencies":[${Array.from({ length: 40 }, (_, j) => `"d${j}"`).join(',')}]}`).join(',')}]}`,
  ),
  Buffer.from(`{"id":"big","description":"${'x'.repeat(2 * 1024 * 1024)}"}`), // over the 1 MB limit: 413
  Buffer.from(`{"id":"a","dependencies":${tenThousandDeps},"description":"x"}`),
  Buffer.from(`{"tasks":[{"id":"many","description":"x","dependencies":${tenThousandDeps}}]}`),
  Buffer.from(
    '{"tasks":[{"id":"c1","description":"x","dependencies":["c2"]},{"id":"c2","description":"x","dependencies":["c1"]}]}',
  ), // cycle
  Buffer.from('{"tasks":[{"id":"self","description":"x","dependencies":["self"]}]}'),
  Buffer.from('{"taskId":"seed","status":"exploded","workerId":"w"}'), // unknown status
  Buffer.from('{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},"id":"p","description":"x"}'),
  Buffer.from('{"id":"dup","id":"dup2","description":"x","description":{}}'),
  Buffer.from('{"priority":1e400,"id":"huge","description":"x","maxAttempts":-5}'),
  Buffer.from('not json at all'),
  Buffer.from('null'),
  Buffer.from('"just a string"'),
  Buffer.from('\u0000\u0000'),
];
const body = fc.oneof(
  { weight: 4, arbitrary: fields.map((o) => Buffer.from(JSON.stringify(o))) },
  { weight: 2, arbitrary: value.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
  { weight: 2, arbitrary: fc.constantFrom(...FIXED_BODIES) },
);
const encode = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80'; // a lone surrogate, as raw bytes
  }
};
const segment = fc.oneof(
  nasty.map(encode),
  fc.constantFrom('%', '%E0%A4%A', '%00', '..%2F..', '%2e%2e', 'a%2Fb', 'seed', '1', '0', '-1', '99999999999', '1e3'),
);
const path = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.constantFrom(...V1_PATHS), segment, segment)
      .map(([p, a, b]) => p.replace(':id', a).replace(':slot', b)),
  },
  { weight: 3, arbitrary: fc.constantFrom(...LEGACY_PATHS) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('/api/v1/', '/api/', '/', '/api/v1/tasks/seed/', '/socket.io/'), segment)
      .map(([p, s]) => `${p}${s}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/socket.io/?EIO=4&transport=polling&sid=nope',
      '/socket.io/?EIO=99&transport=carrier-pigeon',
      '/socket.io/?EIO=3',
    ),
  },
);
const query = fc.option(
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'status',
          'limit',
          'cursor',
          'project',
          'label',
          'worker',
          'text',
          'afterSeq',
          'wait',
          'taskId',
          '__proto__',
          'constructor',
        ),
        segment,
      ),
      { maxLength: 3 },
    )
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  { nil: undefined },
);
const method = fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD');
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/merge-patch+json',
  undefined,
);

const restCase = fc.record({ kind: fc.constant('rest' as const), method, path, query, body, contentType });
const socketCase = fc.record({
  kind: fc.constant('socket' as const),
  auth: fc.oneof(fields, fc.record({ lastSeq: value, project: value, token: value }, { requiredKeys: [] })),
  emits: fc.array(
    fc.tuple(fc.oneof(nasty, fc.constantFrom('event', 'ready', 'resync', 'disconnect', 'connect', 'message')), value),
    { maxLength: 3 },
  ),
});
const toolName = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...TOOL_NAMES) }, { weight: 1, arbitrary: nasty });
const mcpToolCase = fc.record({
  kind: fc.constant('mcp-tool' as const),
  name: toolName,
  args: fc.oneof(fields, fc.dictionary(fc.string({ maxLength: 10 }), value, { maxKeys: 4 })),
});
const jsonRpc = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), value),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), value),
    method: fc.oneof(
      fc.constantFrom(
        'initialize',
        'tools/call',
        'tools/list',
        'ping',
        'notifications/initialized',
        'resources/list',
        'prompts/get',
        'logging/setLevel',
      ),
      nasty,
    ),
    params: fc.oneof(
      value,
      fc.record({ name: toolName, arguments: fields }),
      fc.record({
        protocolVersion: fc.oneof(fc.constant('2025-06-18'), value),
        capabilities: value,
        clientInfo: value,
      }),
    ),
  },
  { requiredKeys: [] },
);
const mcpRawCase = fc.record({
  kind: fc.constant('mcp-raw' as const),
  method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'DELETE', 'PUT'),
  body: fc.oneof(
    jsonRpc.map((o) => Buffer.from(JSON.stringify(o))),
    fc.array(jsonRpc, { maxLength: 3 }).map((a) => Buffer.from(JSON.stringify(a))),
    fc.constantFrom(...FIXED_BODIES),
  ),
  session: fc.constantFrom('none', 'valid', 'bogus'),
  accept: fc.constantFrom('application/json, text/event-stream', 'application/json', 'text/html', undefined),
});
const anyCase = fc.oneof(
  { weight: 6, arbitrary: restCase },
  { weight: 1, arbitrary: socketCase },
  { weight: 2, arbitrary: mcpToolCase },
  { weight: 2, arbitrary: mcpRawCase },
);
type Case = typeof anyCase extends fc.Arbitrary<infer T> ? T : never;

const BODY_LIMIT = 1024 * 1024;

// ---- sending --------------------------------------------------------------------------------

interface Answer {
  status: number;
  text: string;
  /** X-Error-Code: the code of a request the HTTP parser refused (no body then). */
  headerCode?: string;
  /** The server closed the connection while the client was still sending (a body over the limit). */
  reset?: boolean;
}

function send(
  base: string,
  m: string,
  p: string,
  headers: Record<string, string>,
  payload: Buffer | undefined,
): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method: m,
        path: p,
        headers: { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) },
      },
      (res) => {
        // An MCP session's event stream stays open by design: its headers are the answer.
        if (m === 'GET' && String(res.headers['content-type']).startsWith('text/event-stream')) {
          resolve({ status: res.statusCode ?? 0, text: '' });
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        const headerCode = res.headers['x-error-code'];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString(),
            ...(typeof headerCode === 'string' ? { headerCode } : {}),
          }),
        );
        res.on('error', reject);
      },
    );
    // A body over the limit: the server answers 413 and may close before reading it all. Any
    // other reset is a request left without an answer.
    req.on('error', (error: NodeJS.ErrnoException) =>
      (error.code === 'ECONNRESET' || error.code === 'EPIPE') && (payload?.length ?? 0) > BODY_LIMIT
        ? resolve({ status: 413, text: '', reset: true })
        : reject(error),
    );
    req.setTimeout(60_000, () => req.destroy(new Error('no answer in 60 s')));
    req.end(payload);
  });
}

/** The error code a rejection carries: ours (string), JSON-RPC's or engine.io's (number); null if none. */
function codeOf(text: string): string | null {
  const bodies: unknown[] = [];
  try {
    bodies.push(JSON.parse(text));
  } catch {
    // SSE: one JSON message per data line
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: ')) continue;
      try {
        bodies.push(JSON.parse(line.slice(6)));
      } catch {
        // not JSON: carries no code
      }
    }
  }
  for (const parsed of bodies.flat()) {
    const p = parsed as { error?: { code?: unknown }; code?: unknown } | null;
    const code = p?.error?.code ?? p?.code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    if (typeof code === 'number' && Number.isInteger(code)) return String(code);
  }
  return null;
}

/** A 200 whose JSON-RPC answer is an error is a rejection too. */
function jsonRpcRejected(text: string): boolean {
  return /"error":\{"code":-?\d+/.test(text) || /"isError":true/.test(text);
}

// ---- the drill ------------------------------------------------------------------------------

export interface HostileOptions {
  requests: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface HostileReport {
  requests: number;
  byKind: Record<string, number>;
  /** HTTP status → count (101: a Socket.IO connection; tool calls answer 200 over /mcp). */
  byStatus: Record<string, number>;
  accepted: number;
  /** Accepted requests that changed the database: shows the dump sees changes at all. */
  changedByAcceptance: number;
  rejected: number;
  serverErrors: number;
  uncoded: number;
  changedByRejection: number;
  crashes: number;
  /** "internal error" lines the server logged. */
  internalLogged: number;
  /** The first few violations, to read. */
  samples: string[];
  ms: number;
}

export async function runHostileDrill(options: HostileOptions): Promise<HostileReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'tc-hostile-'));
  const file = join(dir, 'hostile.db');
  // The longest lease: nothing may change the file on its own between two dumps.
  const args = ['--db', file, '--body-limit', String(BODY_LIMIT), '--lease-ttl', '24h', '--slots', '5'];
  const report: HostileReport = {
    requests: 0,
    byKind: {},
    byStatus: {},
    accepted: 0,
    changedByAcceptance: 0,
    rejected: 0,
    serverErrors: 0,
    uncoded: 0,
    changedByRejection: 0,
    crashes: 0,
    internalLogged: 0,
    samples: [],
    ms: 0,
  };
  const violation = (what: string) => {
    if (report.samples.length < 20) report.samples.push(what.slice(0, 1500));
  };
  let server: ServerProcess = await spawnServer(args);
  let mcp: { client: Client; transport: StreamableHTTPClientTransport } | null = null;
  const seedBoard = async () => {
    await call(server.url, 'POST', '/api/v1/tasks', {
      tasks: [
        { id: 'seed', description: 'x' },
        { id: 'child', description: 'y', dependencies: ['seed'] },
        { id: 'other', description: 'z' },
      ],
    });
    await call(server.url, 'POST', '/api/v1/claim-next', { workerId: 'w' });
  };
  const mcpClient = async () => {
    if (mcp) return mcp;
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { 'x-worker-id': 'w' } },
    });
    const client = new Client({ name: 'hostile-drill', version: '1.0.0' });
    await client.connect(transport);
    mcp = { client, transport };
    return mcp;
  };
  const sessionId = async () => (await mcpClient()).transport.sessionId ?? 'none';

  const run = async (c: Case): Promise<{ rejected: boolean; status: number; code: string | null; what: string }> => {
    switch (c.kind) {
      case 'rest': {
        const payload = c.method === 'GET' || c.method === 'HEAD' ? undefined : c.body;
        const p = c.query ? `${c.path}${c.path.includes('?') ? '&' : '?'}${c.query}` : c.path;
        const res = await send(
          server.url,
          c.method,
          p,
          c.contentType ? { 'content-type': c.contentType } : {},
          payload,
        );
        const rejected = res.status >= 400;
        // A 413 cut short carries no answer; HEAD answers carry no body, but the code in X-Error-Code
        // when the parser refused the request.
        const code =
          !rejected || res.reset || (c.method === 'HEAD' && res.status !== 431)
            ? 'n/a'
            : (res.headerCode ?? codeOf(res.text));
        return {
          rejected,
          status: res.status,
          code,
          what: `${c.method} ${p.slice(0, 120)} → ${res.status} ${res.text.slice(0, 160)}`,
        };
      }
      case 'mcp-raw': {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (c.accept) headers.accept = c.accept;
        if (c.session === 'valid') headers['mcp-session-id'] = await sessionId();
        if (c.session === 'bogus') headers['mcp-session-id'] = 'not-a-session';
        const res = await send(
          server.url,
          c.method,
          '/mcp',
          headers,
          c.method === 'GET' || c.method === 'DELETE' ? undefined : c.body,
        );
        // A GET that opens the session's event stream stays open: the request was accepted.
        const rejected = res.status >= 400 || jsonRpcRejected(res.text);
        const code = !rejected || res.reset ? 'n/a' : (res.headerCode ?? codeOf(res.text));
        return {
          rejected,
          status: res.status,
          code,
          what: `${c.method} /mcp (${c.session}) → ${res.status} ${res.text.slice(0, 160)}`,
        };
      }
      case 'mcp-tool': {
        const { client } = await mcpClient();
        try {
          const result = (await client.callTool({ name: c.name, arguments: c.args as Record<string, unknown> })) as {
            isError?: boolean;
            content: Array<{ text?: string }>;
          };
          const text = result.content?.map((x) => x.text ?? '').join(' ') ?? '';
          const code = result.isError
            ? (/^([A-Z_]+):/.exec(text)?.[1] ?? /MCP error (-?\d+)/.exec(text)?.[1] ?? null)
            : 'n/a';
          return {
            rejected: result.isError === true,
            status: 200,
            code,
            what: `tool ${c.name} ${JSON.stringify(c.args).slice(0, 100)} → ${text.slice(0, 160)}`,
          };
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          return {
            rejected: true,
            status: 200,
            code: typeof code === 'number' ? String(code) : null,
            what: `tool ${c.name} threw ${(error as Error).message.slice(0, 160)}`,
          };
        }
      }
      case 'socket': {
        const outcome = await new Promise<{ ok: boolean; code: string | null; text: string }>((resolve) => {
          const socket = connect(server.url, {
            auth: c.auth as Record<string, unknown>,
            transports: ['websocket'],
            reconnection: false,
            forceNew: true,
            timeout: 10_000,
          });
          const finish = (result: { ok: boolean; code: string | null; text: string }) => {
            socket.disconnect();
            resolve(result);
          };
          socket.on('connect_error', (error: Error & { data?: { code?: unknown } }) => {
            const code = typeof error.data?.code === 'string' ? error.data.code : null;
            finish({ ok: false, code, text: error.message });
          });
          socket.on('connect', () => {
            // Clients only listen; whatever they emit must be ignored without harm.
            for (const [name, payload] of c.emits) {
              try {
                socket.emit(name, payload);
              } catch {
                // socket.io-client refuses reserved event names itself
              }
              report.requests++;
            }
            setTimeout(() => finish({ ok: true, code: 'n/a', text: 'connected' }), 5);
          });
        });
        return {
          rejected: !outcome.ok,
          status: outcome.ok ? 101 : 400,
          code: outcome.code,
          what: `socket ${JSON.stringify(c.auth).slice(0, 100)} → ${outcome.text}`,
        };
      }
    }
  };

  try {
    await seedBoard();
    // The MCP session opens before the baseline: opening it is a sign of life that renews its worker's leases.
    await mcpClient();
    let before = dumpSqlite(file);
    const batch = 250;
    for (let done = 0; done < options.requests;) {
      const cases = fc.sample(anyCase, {
        numRuns: Math.min(batch, options.requests - done),
        seed: (options.seed ?? Date.now()) + done,
      });
      for (const c of cases) {
        done++;
        report.requests++;
        report.byKind[c.kind] = (report.byKind[c.kind] ?? 0) + 1;
        let outcome;
        try {
          outcome = await run(c);
        } catch (error) {
          const where = c.kind === 'rest' ? `${c.method} ${c.path.slice(0, 80)} (${c.body.length} bytes)` : c.kind;
          outcome = { rejected: true, status: 0, code: null, what: `${where}: ${(error as Error).message}` };
        }
        if (server.child.exitCode !== null || server.child.signalCode !== null) {
          report.crashes++;
          violation(`server died after ${outcome.what}: ${server.output().slice(-500)}`);
          server = await spawnServer(args);
          mcp = null;
          await mcpClient();
        }
        report.byStatus[outcome.status] = (report.byStatus[outcome.status] ?? 0) + 1;
        if (outcome.status >= 500 || outcome.status === 0) {
          report.serverErrors++;
          violation(`5xx or no answer: ${outcome.what}`);
        }
        const after = dumpSqlite(file);
        if (outcome.rejected) {
          report.rejected++;
          if (outcome.code === null) {
            report.uncoded++;
            violation(`no code: ${outcome.what}`);
          }
          if (after !== before) {
            report.changedByRejection++;
            violation(`a rejection changed the database: ${outcome.what}\n${dumpDiff(before, after)}`);
          }
        } else {
          report.accepted++;
          if (after !== before) report.changedByAcceptance++;
        }
        before = after;
        // A wipe (clean-all) leaves nothing to damage: put the board back.
        if (!after.includes("'seed'")) {
          await seedBoard();
          before = dumpSqlite(file);
        }
      }
      log(
        `hostile: ${done} cases, ${report.serverErrors} 5xx, ${report.uncoded} uncoded, ${report.changedByRejection} changed by a rejection`,
      );
    }
    const health = await call(server.url, 'GET', '/api/health');
    if (health.status !== 200) {
      report.crashes++;
      violation(`health after the drill: ${health.status}`);
    }
  } finally {
    const open = mcp as { client: Client; transport: StreamableHTTPClientTransport } | null;
    if (open) {
      await open.transport.terminateSession().catch(() => undefined);
      await open.client.close().catch(() => undefined);
    }
    report.internalLogged = (server.output().match(/internal error|request failed/g) ?? []).length;
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  report.ms = Date.now() - started;
  return report;
}
