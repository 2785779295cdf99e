// The Express app: security checks first, then health, the OpenAPI document, the original endpoints, and
// (on the dashboard port) the dashboard's built files. /api/v1 is answered before Express (http/v1-handler.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express, type Request, type RequestHandler, type Response, type Router } from 'express';
import { DomainError, type Store } from '@task-coordinator/core';
import { errorHandler, sendError, type Logger } from './http/errors.js';
import type { RequestGuard } from './http/security.js';
import { legacyRoutes } from './routes/legacy.js';
import { legacyDashboardRoutes } from './routes/legacy-dashboard.js';
import { openApiDocument } from './routes/openapi.js';
import type { Wakeups } from './live/wakeups.js';
import type { Snapshots } from './snapshot/snapshots.js';

/**
 * The dashboard's pages: scripts and styles only from this origin (no inline script can run, so
 * an injected payload is inert even if it ever reached the DOM as HTML), data only from this
 * origin's API and Socket.IO, and no framing (clickjacking).
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface AppOptions {
  store: Store;
  wakeups: Wakeups;
  guard: RequestGuard;
  log: Logger;
  version: string;
  startedAt: number;
  bodyLimitBytes: number;
  legacyLeaseTtlMs: number;
  /** Whole-board reads of the original endpoints (snapshot/); without it they page through the store. */
  snapshots?: Snapshots | null;
  /** Serve the dashboard from this folder (the dashboard port); null for the API port. */
  dashboardDir: string | null;
  /** The dashboard port (built dashboard or not): it also answers the original dashboard's /api/tasks and /api/workers. */
  dashboardPort?: boolean;
}

export function createApp(options: AppOptions): Express {
  const { store, guard, log } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  // Host/Origin checks and the token, before anything is parsed. /api/health stays open for probes.
  const protect: RequestHandler = (req, res, next) => {
    const refused = guard.check(req);
    const format =
      req.path.startsWith('/api/') && req.path !== '/api/openapi.json' && req.path !== '/api/health' ? 'legacy' : 'v1';
    if (refused) return sendError(res, refused, format);
    // Open without the token: health for probes, and the dashboard's own files (no data in them),
    // so the page can load and ask for the token.
    const open =
      req.path === '/api/health' ||
      (options.dashboardDir !== null &&
        !req.path.startsWith('/api/') &&
        (req.method === 'GET' || req.method === 'HEAD'));
    if (open || guard.authorized(req)) return next();
    sendError(
      res,
      new DomainError('UNAUTHORIZED', 'missing or wrong token: send "Authorization: Bearer <token>"'),
      format,
    );
  };
  app.use(protect);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    if (options.dashboardDir !== null) {
      res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
      res.setHeader('Referrer-Policy', 'no-referrer');
    }
    next();
  });

  app.get('/api/health', async (req, res) => {
    let reachable = true;
    try {
      await store.ping();
    } catch {
      reachable = false;
    }
    const status = reachable ? 'ok' : 'unavailable';
    // Without the token a probe learns only whether the server is healthy.
    const body = guard.authorized(req)
      ? {
          status,
          store: { kind: store.kind, reachable },
          version: options.version,
          uptimeSeconds: Math.round((Date.now() - options.startedAt) / 1000),
          leaseTtlMs: store.config.leaseTtlMs,
          slots: store.config.slots,
        }
      : { status };
    res.status(reachable ? 200 : 503).json(body);
  });

  let document: Record<string, unknown> | null = null;
  app.get('/api/openapi.json', (_req, res) => {
    document ??= openApiDocument(options.version);
    res.json(document);
  });

  const json = express.json({
    limit: options.bodyLimitBytes,
    strict: false,
    type: ['application/json', 'application/*+json'],
  });
  // /api/v1 never gets here: the route-table dispatcher (http/v1-handler.ts) answers it first.
  const legacy = legacyRoutes(store, options.legacyLeaseTtlMs, options.snapshots ?? null);
  if (options.dashboardPort) app.use('/api', json, legacyDashboardRoutes(store), errorHandler('legacy', log));
  app.use('/api', json, legacy, errorHandler('legacy', log));
  app.use('/api', unmatched(legacy, 'legacy'));

  if (options.dashboardDir !== null) {
    const dir = options.dashboardDir;
    const index = join(dir, 'index.html');
    app.use(express.static(dir, { index: false, fallthrough: true, maxAge: '1h' }));
    // Client-side routes (/tasks/x, /graph…) get the app shell.
    app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res, next) => {
      if (!existsSync(index)) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    });
  }
  app.use((req, res) => sendError(res, notFound(req.method, req.originalUrl), 'v1'));
  app.use(errorHandler('v1', log));
  return app;
}

/** 405 with Allow when the path exists under another method, else 404. */
function unmatched(router: Router, format: 'v1' | 'legacy') {
  return (req: Request, res: Response) => {
    const allowed = new Set<string>();
    const stack = (
      router as unknown as {
        stack: Array<{ route?: { methods: Record<string, boolean> }; match(path: string): boolean }>;
      }
    ).stack;
    for (const layer of stack) {
      if (layer.route && layer.match(req.path))
        for (const method of Object.keys(layer.route.methods)) allowed.add(method.toUpperCase());
    }
    if (allowed.size === 0) return sendError(res, notFound(req.method, req.originalUrl), format);
    res.setHeader('Allow', [...allowed].join(', '));
    sendError(
      res,
      new DomainError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${[...allowed].join(' or ')}`),
      format,
    );
  };
}

function notFound(method: string, url: string): DomainError {
  return new DomainError('NOT_FOUND', `no route for ${method} ${url.split('?')[0]}`);
}
