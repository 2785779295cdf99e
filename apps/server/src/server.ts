// startServer: the store, the API and dashboard ports, Socket.IO, the lease sweeper, and a graceful close.
import { existsSync } from 'node:fs';
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server as SocketServer } from 'socket.io';
import { DomainError, type Instant, type Store } from '@task-coordinator/core';
import { openPostgresStore, PostgresStore } from '@task-coordinator/store-postgres';
import { openSqliteStore, SqliteStore } from '@task-coordinator/store-sqlite';
import { createApp } from './app.js';
import { createV1Handler } from './http/v1-handler.js';
import { createLegacyHandler } from './http/legacy-handler.js';
import { createMcpEndpoint } from './live/mcp-endpoint.js';
import type { ServerConfig } from './config.js';
import type { Logger } from './http/errors.js';
import { createGuard, isLoopbackAddress } from './http/security.js';
import { actorOf, currentActor, runAs } from './http/actor.js';
import { createRateLimiter } from './http/rate-limit.js';
import { send } from './http/respond.js';
import { attachLive } from './live/socket.js';
import { ThroughputSampler } from './live/throughput.js';
import { Wakeups } from './live/wakeups.js';
import { createMetricsHandler, Metrics, type TransactionCounts } from './ops/metrics.js';
import { Retention } from './ops/retention.js';
import { DeliveryLog } from './webhooks/delivery-log.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { createWebhooksHandler } from './webhooks/webhooks-route.js';
import type { Timers } from './webhooks/timers.js';
import { Snapshots } from './snapshot/snapshots.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const VERSION = (createRequire(import.meta.url)(join(packageRoot, 'package.json')) as { version: string })
  .version;

/** A reason the server cannot start, said in one line (no stack trace). */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface StartOptions {
  log?: Logger;
  /** Inject a clock (tests); the store uses it for leases. */
  clock?: () => Instant;
  /** Export process metrics (CPU, memory, event loop) on /metrics (the CLI turns it on). */
  processMetrics?: boolean;
  /** The webhook dispatcher's clock and timers (tests drive backoff with ManualTimers). */
  webhookTimers?: Timers;
  /**
   * SQLite only: 'NORMAL' acknowledges commits before the WAL is synced (they survive a process
   * crash, not a power loss). Not a flag of the CLI, where commits are always durable: the
   * benchmarks start a server this way to show what the fsync costs.
   */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
}

export interface RunningServer {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly metrics: Metrics;
  readonly apiUrl: string;
  readonly dashboardUrl: string | null;
  /** The MCP Streamable HTTP endpoint. */
  readonly mcpUrl: string;
  readonly port: number;
  readonly dashboardPort: number | null;
  /** Open MCP sessions on /mcp. */
  mcpSessions(): number;
  /** Delivers webhooks; null when none is configured. */
  readonly webhooks: WebhookDispatcher | null;
  /** Open MCP sessions whose client holds a connection open (their leases are renewed). */
  mcpLiveSessions(): number;
  /** Runs one lease sweep now (the sweeper also runs every sweepIntervalMs). */
  sweep(): Promise<void>;
  /** Runs retention now until nothing is left to prune (it also runs every retentionIntervalMs). */
  prune(): Promise<{ events: number; tasks: number }>;
  /** Stops accepting, releases long-polls, finishes in-flight requests, closes the store. */
  close(): Promise<void>;
}

const defaultLog: Logger = (message, error) => {
  process.stderr.write(
    `[task-coordinator] ${message}${error ? `: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` : ''}\n`,
  );
};

function findDashboard(config: ServerConfig): string | null {
  const candidates = config.dashboardDir
    ? [config.dashboardDir]
    : [join(packageRoot, 'public'), resolve(packageRoot, '..', 'dashboard', 'dist')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

function listen(server: HttpServer, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE')
        reject(
          new StartupError(
            `${what} port ${port} on ${host} is already in use (is another task-coordinator-server running?); choose another with --${what === 'API' ? 'port' : 'dashboard-port'}`,
          ),
        );
      else if (error.code === 'EADDRNOTAVAIL')
        reject(new StartupError(`cannot listen on ${host}: no such address on this machine`));
      else if (error.code === 'EACCES') reject(new StartupError(`not allowed to listen on ${host}:${port}`));
      else reject(new StartupError(`cannot listen on ${host}:${port}: ${error.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolvePort(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** 429 in the format of the route asked for (original endpoints answer {success:false,…}). */
function rateLimited(req: IncomingMessage, res: ServerResponse, waitSeconds: number): void {
  req.resume();
  const error = new DomainError('RATE_LIMITED', `too many requests from this client; retry in ${waitSeconds} s`, {
    retryAfterSeconds: waitSeconds,
  });
  const url = req.url ?? '/';
  const legacy = url.startsWith('/api/') && !url.startsWith('/api/v1') && !url.startsWith('/api/openapi.json');
  send(res, error.httpStatus, legacy ? { success: false, error: error.message, code: error.code } : error.toBody(), {
    'retry-after': String(waitSeconds),
  });
}

/**
 * How often retention runs: every minute, or a quarter of the shortest retention when that is
 * shorter (at least 5 s). The table then holds at most retention + interval of rows: with
 * `--retain-events 1m` under 2,500 events/s that is ~190k rows, not the ~300k a fixed minute allows.
 */
function retentionInterval(config: ServerConfig): number {
  const ages = [config.retainEventsMs, config.retainDoneMs].filter((ms): ms is number => ms !== null);
  return Math.min(config.retentionIntervalMs, ...ages.map((ms) => Math.max(5_000, Math.floor(ms / 4))));
}

/** Each store's own group-commit counts, named alike for /metrics. */
function transactionCounts(store: Store): TransactionCounts {
  if (store instanceof PostgresStore) {
    const { groups, commands, retries, postponed } = store.database.stats;
    return { transactions: groups, commands, reruns: retries, postponed };
  }
  if (store instanceof SqliteStore) {
    const { commits, commands } = store.database.stats;
    return { transactions: commits, commands, reruns: 0, postponed: 0 };
  }
  return { transactions: 0, commands: 0, reruns: 0, postponed: 0 };
}

function urlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? defaultLog;
  const loopback = isLoopbackAddress(config.host);
  if (!loopback && config.token === null && config.tokens.length === 0 && !config.insecure) {
    throw new StartupError(
      `refusing to listen on ${config.host} without a token: anyone on the network could change the board. Set --token (or TC_TOKEN), or pass --insecure`,
    );
  }
  let opened: Store;
  const common = {
    config: { slots: config.slots, projectSlots: config.projectSlots, leaseTtlMs: config.leaseTtlMs },
    ...(options.clock ? { clock: options.clock } : {}),
    onListenerError: (error: unknown) => log('event listener failed', error),
    actor: currentActor,
  };
  try {
    opened =
      config.databaseUrl !== null
        ? await openPostgresStore({ connectionString: config.databaseUrl, schema: config.databaseSchema, ...common })
        : await openSqliteStore({
            file: config.db,
            ...common,
            ...(options.sqliteSynchronous ? { synchronous: options.sqliteSynchronous } : {}),
          });
  } catch (error) {
    const where = config.databaseUrl !== null ? 'the PostgreSQL database' : config.db;
    throw new StartupError(
      error instanceof DomainError ? error.message : `cannot open ${where}: ${(error as Error).message}`,
    );
  }

  if (opened instanceof PostgresStore) for (const notice of opened.database.notices) log(notice);
  const metrics: Metrics = new Metrics({
    store: opened,
    waiting: (): number => wakeups.waiting,
    transactions: (): TransactionCounts => transactionCounts(opened),
    processMetrics: options.processMetrics ?? false,
  });
  // Whole-board and first-page reads come from per-project snapshots fed by the committed events.
  const snapshots = new Snapshots(metrics.instrument(opened));
  const store: Store = snapshots.reader();
  const wakeups: Wakeups = new Wakeups(
    store,
    opened instanceof SqliteStore ? (listener) => opened.database.onCommitted(listener) : undefined,
  );
  const webhooks =
    config.webhooks.length === 0 || config.webhookSecret === null
      ? null
      : new WebhookDispatcher({
          store: opened,
          webhooks: config.webhooks,
          secret: config.webhookSecret,
          log,
          deliveries: new DeliveryLog(metrics.registry),
          ...(options.webhookTimers ? { timers: options.webhookTimers } : {}),
        });
  const throughput = new ThroughputSampler(store);
  const guard = createGuard({ loopback, token: config.token, tokens: config.tokens });
  const limiter = config.rateLimit === null ? null : createRateLimiter(config.rateLimit, guard);
  /** The seconds a client must wait, or 0 when its request may go on. Health probes are never limited. */
  const throttled = (req: IncomingMessage): number =>
    limiter === null || req.url === '/api/health' ? 0 : limiter.take(limiter.keyOf(req));
  const webhooksHandler = createWebhooksHandler({ webhooks, guard, log });
  const metricsHandler = createMetricsHandler({
    metrics,
    guard,
    apiToken: config.token !== null || config.tokens.length > 0,
    metricsGuard: config.metricsToken === null ? null : createGuard({ loopback, token: config.metricsToken }),
    log,
  });
  const startedAt = Date.now();
  const appOptions = {
    store,
    wakeups,
    guard,
    log,
    version: VERSION,
    startedAt,
    bodyLimitBytes: config.bodyLimitBytes,
    legacyLeaseTtlMs: config.legacyLeaseTtlMs,
    snapshots,
  };

  const servers: HttpServer[] = [];
  const sockets: SocketServer[] = [];
  const detach: Array<() => void> = [];
  const v1 = createV1Handler({
    store,
    wakeups,
    throughput,
    guard,
    log,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
  });
  const mcp = createMcpEndpoint({
    store,
    wakeups,
    guard,
    log,
    version: VERSION,
    bodyLimitBytes: config.bodyLimitBytes,
    idleMs: config.mcpIdleMs,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  // The original endpoints' plain requests on the API port, before Express (the dashboard port
  // keeps Express: its own /api/tasks and /api/workers come first there).
  const legacy = createLegacyHandler({
    store,
    snapshots,
    guard,
    log,
    legacyLeaseTtlMs: config.legacyLeaseTtlMs,
    bodyLimitBytes: config.bodyLimitBytes,
  });
  const serve = (dashboardDir: string | null, dashboardPort: boolean) => {
    const app = createApp({ ...appOptions, dashboardDir, dashboardPort });
    const original = dashboardPort ? () => false : legacy;
    const server = createServer((req, res) => {
      const wait = throttled(req);
      if (wait > 0) return rateLimited(req, res, wait);
      runAs(actorOf(req, guard), () => {
        if (webhooksHandler(req, res) || v1(req, res) || metricsHandler(req, res)) return;
        // /api/v1 times itself per operation; the rest is grouped coarsely (original endpoints, /mcp, files).
        const started = process.hrtime.bigint();
        const route = req.url?.startsWith('/mcp') ? 'mcp' : req.url?.startsWith('/api/') ? 'api' : 'other';
        res.once('finish', () =>
          metrics.observeRequest(
            route,
            req.method ?? 'GET',
            res.statusCode,
            Number(process.hrtime.bigint() - started) / 1e9,
          ),
        );
        if (!mcp.handle(req, res) && !original(req, res)) app(req, res);
      });
    });
    // Requests Node's parser refuses (headers over 16 KiB, malformed HTTP) never reach a handler.
    // Answer them with our code in an X-Error-Code header: no body, because the method is unknown
    // here and the answer to a HEAD request must not have one.
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      // Node's own rule (http server socketOnError): answer only when no response on this
      // connection has started, else the peer would read our bytes as part of that response.
      const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
      if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
        socket.destroy();
        return;
      }
      const refused =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? new DomainError('HEADERS_TOO_LARGE', 'request line or headers are over the 16 KiB limit')
          : new DomainError('VALIDATION_FAILED', 'malformed HTTP request');
      socket.end(
        `HTTP/1.1 ${refused.httpStatus} ${STATUS_CODES[refused.httpStatus] ?? 'Bad Request'}\r\nX-Error-Code: ${refused.code}\r\n` +
          'Content-Length: 0\r\nConnection: close\r\n\r\n',
      );
    });
    // Long-polls last up to 60 s: keep the request timeout well above that.
    server.requestTimeout = 120_000;
    server.headersTimeout = 30_000;
    server.keepAliveTimeout = 30_000;
    const io = new SocketServer(server, {
      serveClient: false,
      allowRequest: (req, callback) => {
        if (throttled(req) > 0) return callback('RATE_LIMITED', false);
        const refused = guard.check(req);
        callback(refused ? 'forbidden' : null, refused === null);
      },
    });
    detach.push(attachLive(io, store, guard, log));
    servers.push(server);
    sockets.push(io);
    return server;
  };

  const retention = new Retention({
    store,
    metrics,
    log,
    clock: options.clock ?? Date.now,
    retainEventsMs: config.retainEventsMs,
    retainDoneMs: config.retainDoneMs,
    intervalMs: retentionInterval(config),
  });

  let sweeper: NodeJS.Timeout | null = null;
  let sweeping: Promise<void> | null = null;
  let sweepAgain: Promise<void> | null = null;
  const sweepOnce = async () => {
    try {
      // First renew what live /mcp clients hold, then expire whatever nobody renewed.
      await mcp.renewLive();
      for (let page = 0; page < 100; page++) {
        const { requeued, failed, slots } = await store.expireLeases({ limit: 500 });
        if (requeued.length + failed.length < 500 && slots.length < 500) break;
      }
    } catch (error) {
      log('lease sweep failed', error);
    }
  };
  /**
   * A sweep that starts after this call. One in flight may have read the clock before the call, so
   * the caller waits for one more after it (callers meanwhile share that one: at most one queued).
   */
  const sweep = (): Promise<void> => {
    if (!sweeping) {
      sweeping = sweepOnce().finally(() => {
        sweeping = null;
      });
      return sweeping;
    }
    sweepAgain ??= sweeping.then(() => {
      sweepAgain = null;
      return sweep();
    });
    return sweepAgain;
  };

  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      if (sweeper) clearInterval(sweeper);
      await sweepAgain;
      await sweeping;
      await retention.close();
      await webhooks?.close();
      wakeups.close();
      throughput.close();
      await mcp.close();
      for (const io of sockets) io.disconnectSockets(true);
      detach.forEach((fn) => fn());
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((done) => {
              if (!server.listening) return done();
              // Connections finishing an in-flight request become idle later: close them as they do.
              const idle = setInterval(() => server.closeIdleConnections(), 50);
              const force = setTimeout(() => server.closeAllConnections(), 10_000);
              server.close(() => {
                clearInterval(idle);
                clearTimeout(force);
                done();
              });
              server.closeIdleConnections();
            }),
        ),
      );
      for (const io of sockets) io.engine?.close();
      metrics.close();
      snapshots.close();
      await store.close();
    })());

  try {
    const apiServer = serve(null, false);
    const port = await listen(apiServer, config.port, config.host, 'API');
    let dashboardPort: number | null = null;
    if (config.dashboardPort !== null) {
      const dashboardServer = serve(findDashboard(config), true);
      dashboardPort = await listen(dashboardServer, config.dashboardPort, config.host, 'dashboard');
    }
    sweeper = setInterval(() => {
      if (!sweeping) void sweep();
    }, config.sweepIntervalMs);
    sweeper.unref();
    retention.start();
    webhooks?.start();
    return {
      config,
      store,
      metrics,
      port,
      dashboardPort,
      apiUrl: urlOf(config.host, port),
      mcpUrl: `${urlOf(config.host, port)}/mcp`,
      dashboardUrl: dashboardPort === null ? null : urlOf(config.host, dashboardPort),
      mcpSessions: () => mcp.sessions,
      webhooks,
      mcpLiveSessions: () => mcp.liveSessions,
      sweep,
      prune: () => retention.runOnce(),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
