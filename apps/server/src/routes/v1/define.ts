// How a /api/v1 route is declared: a generic definition whose handler input is what its request
// schema parses to, and whose answer must fit its response schema. The dispatcher (http/v1-handler.ts)
// and the OpenAPI document (routes/openapi.ts) both read the erased `Route` that `defineRoute` returns.
import type { ServerResponse } from 'node:http';
import type { z } from 'zod';
import { DomainError, parseInput, type Store } from '@task-coordinator/core';
import type { ThroughputSampler } from '../../live/throughput.js';
import type { Wakeups } from '../../live/wakeups.js';

/** What the routes read of the server's metrics (ops/metrics.ts implements it). */
export interface RouteMetrics {
  activityOf(project: string): {
    claims: number;
    completions: number;
    failures: number;
    retries: number;
    leaseExpiries: number;
    since: number;
  };
  serverFigures(): {
    longPollsWaiting: number;
    storeErrors: number;
    retention: { passes: number; events: number; tasks: number };
  };
}

export interface RouteContext {
  store: Store;
  wakeups: Wakeups;
  throughput: ThroughputSampler;
  metrics: RouteMetrics;
  /** The response being answered: a long-poll watches it to notice a client that went away. */
  res: ServerResponse;
}

/** A request as the dispatcher hands it over: decoded path parameters, query, parsed JSON body. */
export interface RawInput {
  query: Record<string, string | string[]>;
  params: Record<string, string>;
  body: unknown;
}

/** A reply with a status other than the route's default. */
export class Reply<T = unknown> {
  constructor(
    readonly status: number,
    readonly body: T,
  ) {}
}

/** Returned by a route that wrote its answer itself (a streamed download). */
export const STREAMED: unique symbol = Symbol('streamed');

/** What a handler may return: the answer, the answer with another status, or STREAMED. */
export type Answer<T> = T | Reply<T> | typeof STREAMED;

interface RouteMeta {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Path under /api/v1; `:id` is a task id, `:slot` a slot number. */
  path: string;
  operationId: string;
  summary: string;
  tag: 'tasks' | 'workers' | 'events' | 'admin';
  /** Where the input fields come from; path parameters are merged in. */
  from: 'query' | 'body';
  /** Query parameters that are comma-separated lists. */
  lists?: readonly string[];
  /** Status of a successful answer when the handler returns a plain value. */
  status?: number;
}

export interface RouteSpec<Req extends z.ZodType, Res extends z.ZodType> extends RouteMeta {
  /** The request: validated before the handler runs, documented in OpenAPI. */
  request: Req;
  /** The answer's shape: the handler's return type, the OpenAPI response, checked in tests. */
  response: Res;
  /** Validation of the gathered input when `request` alone words its errors badly (a union); default: parse with `request`. */
  parse?: (input: Record<string, unknown>) => z.output<Req>;
  run: (ctx: RouteContext, input: z.output<Req>) => Promise<Answer<z.input<Res>>>;
}

/** A route with its types erased, as the table holds it. */
export interface Route extends RouteMeta {
  request: z.ZodType;
  response: z.ZodType;
  /**
   * Validates the gathered input, then runs the handler. `emptyBody`: the request came without a
   * body, so a validation failure says that first (the fields it names were never sent).
   */
  handle(ctx: RouteContext, input: Record<string, unknown>, emptyBody?: boolean): Promise<Answer<unknown>>;
}

/** Declares a route; its handler's input type comes from `request`, its answer type from `response`. */
export function defineRoute<Req extends z.ZodType, Res extends z.ZodType>(spec: RouteSpec<Req, Res>): Route {
  const { run, parse, ...meta } = spec;
  const validate =
    parse ??
    ((input: Record<string, unknown>) => parseInput(spec.request, input, spec.from === 'query' ? 'query' : 'request'));
  return {
    ...meta,
    handle: (ctx, input, emptyBody = false) => {
      let valid: z.output<Req>;
      try {
        valid = validate(input);
      } catch (error) {
        if (!emptyBody || !(error instanceof DomainError) || error.code !== 'VALIDATION_FAILED') throw error;
        throw new DomainError(
          'VALIDATION_FAILED',
          `the request body is empty: send a JSON object with Content-Type: application/json (${error.message})`,
          error.details,
        );
      }
      return run(ctx, valid);
    },
  };
}

/** A path under one task. */
export const taskPath = (path: string): string => `/tasks/:id${path}`;

const NUMERIC = new Set(['limit', 'afterSeq', 'beforeSeq', 'wait', 'since', 'until']);

/** Query strings → typed values for the schemas: numbers where numbers go, lists split on commas. */
function fromQuery(query: RawInput['query'], lists: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (lists.includes(key))
      out[key] = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).filter(Boolean);
    else if (!Array.isArray(value) && NUMERIC.has(key) && /^-?\d+(\.\d+)?$/.test(value)) out[key] = Number(value);
    else out[key] = value;
  }
  return out;
}

/** The JSON object body of a request, or VALIDATION_FAILED. */
function fromBody(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DomainError('VALIDATION_FAILED', 'request body must be a JSON object', {
      issues: [{ path: '(body)', message: 'expected an object' }],
    });
  }
  return value as Record<string, unknown>;
}

/**
 * The input fields of a route: query or body, plus path parameters (`:id` → taskId); a body
 * naming a different value than the path is refused. `?project=` applies to bodies too.
 */
export function inputOf(route: RouteMeta, raw: RawInput): Record<string, unknown> {
  const input = route.from === 'query' ? fromQuery(raw.query, route.lists) : { ...fromBody(raw.body) };
  const project = raw.query.project;
  if (route.from === 'body' && typeof project === 'string' && !('project' in input)) input.project = project;
  for (const [param, value] of Object.entries(raw.params)) {
    const field = param === 'id' ? 'taskId' : param;
    const typed = param === 'slot' && /^\d+$/.test(value) ? Number(value) : value;
    if (field in input && input[field] !== typed) {
      throw new DomainError('VALIDATION_FAILED', `${field} in the request differs from the one in the path`, {
        issues: [{ path: field, message: 'differs from the path' }],
      });
    }
    input[field] = typed;
  }
  return input;
}

/** Aborted when the client goes away before its answer is written. */
export function clientGone(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
