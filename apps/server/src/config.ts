// Flags and environment variables → ServerConfig, exactly as DESIGN.md "Configuration" names them.
import { parseArgs } from 'node:util';
import { LIMITS } from '@task-coordinator/core';
import { checkWebhookSecret, parseWebhooks, type WebhookSpec } from './webhooks/webhook-config.js';

export interface ServerConfig {
  /** API port; 0 picks a free one. */
  port: number;
  /** Dashboard port (serves the dashboard and the same API); null when off. */
  dashboardPort: number | null;
  host: string;
  /** SQLite file. */
  db: string;
  /** postgres://… selects PostgreSQL. */
  databaseUrl: string | null;
  /** PostgreSQL schema holding the tables (several boards can share one database). */
  databaseSchema: string;
  slots: number;
  /** Projects with their own slot count (the others have `slots`). */
  projectSlots: Record<string, number>;
  leaseTtlMs: number;
  /** Lease for slots and claims taken through the original endpoints (their clients never heartbeat). */
  legacyLeaseTtlMs: number;
  /** The unnamed token (`--token <secret>`, TC_TOKEN). */
  token: string | null;
  /** Named tokens (`--token <name>:<secret>` repeated, TC_TOKENS): the audit trail records the name. */
  tokens: NamedToken[];
  /** Per-client token bucket (client = token name, else remote address); null: no limit. */
  rateLimit: RateLimit | null;
  /** A token that may read GET /metrics only (the API token may too). */
  metricsToken: string | null;
  /** Allows a non-loopback bind without a token. */
  insecure: boolean;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  /** How often the sweeper expires leases. */
  sweepIntervalMs: number;
  /** Where the built dashboard lives; null: look in the usual places. */
  dashboardDir: string | null;
  /** An MCP session (/mcp) with no request for this long is dropped. */
  mcpIdleMs: number;
  /** Events older than this are pruned; null keeps every event. */
  retainEventsMs: number | null;
  /** Done and cancelled tasks unchanged for this long are pruned; null (default) keeps them. */
  retainDoneMs: number | null;
  /** How often retention runs. */
  retentionIntervalMs: number;
  /** Where committed events are POSTed (`--webhook URL[#events]`, repeatable; TC_WEBHOOKS). */
  webhooks: WebhookSpec[];
  /** The HMAC-SHA256 key deliveries are signed with (`--webhook-secret`, TC_WEBHOOK_SECRET). */
  webhookSecret: string | null;
}

export interface NamedToken {
  name: string;
  secret: string;
}

export interface RateLimit {
  /** Requests per second a client may make, sustained. */
  perSecond: number;
  /** Requests a client may make at once after being idle. */
  burst: number;
}

export const DEFAULTS: ServerConfig = {
  port: 3335,
  dashboardPort: 3333,
  host: '127.0.0.1',
  db: './task-coordinator.db',
  databaseUrl: null,
  databaseSchema: 'task_coordinator',
  slots: 5,
  projectSlots: {},
  leaseTtlMs: 120_000,
  legacyLeaseTtlMs: 3_600_000,
  token: null,
  tokens: [],
  rateLimit: null,
  metricsToken: null,
  insecure: false,
  bodyLimitBytes: 4 * 1024 * 1024,
  sweepIntervalMs: 1_000,
  dashboardDir: null,
  mcpIdleMs: 60 * 60_000,
  retainEventsMs: 30 * 86_400_000,
  retainDoneMs: null,
  retentionIntervalMs: 60_000,
  webhooks: [],
  webhookSecret: null,
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `2m`, `1h`, `500ms`, `1d`, or plain seconds (`90`) → milliseconds. */
export function parseDuration(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) throw new ConfigError(`${what}: "${text}" is not a duration (use 90s, 2m, 1h or plain seconds)`);
  const ms = Math.round(Number(match[1]) * (UNITS[match[2] ?? 's'] as number));
  return ms;
}

function parsePort(text: string, what: string, allowOff: boolean): number | null {
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`${what}: "${text}" is not a port number`);
  const port = Number(text);
  if (port === 0 && allowOff) return null;
  if (port > 65535) throw new ConfigError(`${what}: ${port} is not a port number (0-65535)`);
  return port;
}

function parseByteSize(text: string, what: string): number {
  const match = /^\s*(\d+)\s*(b|kb|mb)?\s*$/i.exec(text);
  if (!match) throw new ConfigError(`${what}: "${text}" is not a size (use 512kb, 4mb or bytes)`);
  const factor = { b: 1, kb: 1024, mb: 1024 * 1024 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
  return Number(match[1]) * factor;
}

export const HELP = `Usage: task-coordinator-server [options]

Runs the Task Coordinator: one task board shared by many AI agents.

Options (environment variable in brackets):
  --port <n>               API port [PORT] (default 3335; 0 picks a free port)
  --dashboard-port <n>     dashboard port, 0 = off [DASHBOARD_PORT] (default 3333)
  --host <addr>            address to listen on [HOST] (default 127.0.0.1)
  --db <file>              SQLite database file [TC_DB] (default ./task-coordinator.db)
  --database-url <url>     postgres://… selects PostgreSQL [DATABASE_URL]
  --database-schema <name> PostgreSQL schema for the tables [TC_DATABASE_SCHEMA]
                           (default task_coordinator)
  --slots <n>              worker slots of each project [TC_SLOTS] (default 5)
  --project-slots <list>   projects with their own slot count, e.g. alpha=10,beta=2
                           [TC_PROJECT_SLOTS]
  --lease-ttl <dur>        lease of claims and slots [TC_LEASE_TTL] (default 120s)
  --legacy-lease-ttl <dur> lease for original-endpoint clients, which never heartbeat
                           [TC_LEGACY_LEASE_TTL] (default 1h)
  --token <secret>         require "Authorization: Bearer <secret>" everywhere [TC_TOKEN]
  --token <name>:<secret>  a named token; repeat for several clients, each change is
                           recorded with the name [TC_TOKENS=name:secret,name:secret]
  --rate-limit <n>         requests per second per client (token name, else address),
                           answered 429 RATE_LIMITED beyond it; 0 = off [TC_RATE_LIMIT] (default off)
  --rate-burst <n>         requests a client may send at once [TC_RATE_BURST] (default 2 x rate)
  --metrics-token <secret> a token that may read GET /metrics only [TC_METRICS_TOKEN]
  --insecure               allow a non-loopback --host without a token
  --retain-events <dur>    prune events older than this, or off [TC_RETAIN_EVENTS] (default 30d)
  --retain-done <dur>      prune done/cancelled tasks unchanged for this long, or off
                           [TC_RETAIN_DONE] (default off)
  --body-limit <size>      largest request body [TC_BODY_LIMIT] (default 4mb)
  --webhook <url>[#events] POST events to url, signed; repeat for several [TC_WEBHOOKS, space-
                           separated]. events after #: names or patterns, e.g.
                           #task.failed,plan.finished or #task.* (default: task.question_asked,
                           task.review_requested, task.failed, plan.finished)
  --webhook-secret <key>   HMAC-SHA256 key of the x-tc-signature header (16+ characters)
                           [TC_WEBHOOK_SECRET]
  -h, --help               show this help
  -v, --version            show the version

Durations accept 90s, 2m, 1h, 7d or plain seconds.
`;

export type ParsedCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'serve'; config: ServerConfig };

/** Reads flags (which win) and environment variables; throws ConfigError with a one-line reason. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): ParsedCommand {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'dashboard-port': { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        'database-url': { type: 'string' },
        'database-schema': { type: 'string' },
        slots: { type: 'string' },
        'project-slots': { type: 'string' },
        'lease-ttl': { type: 'string' },
        'legacy-lease-ttl': { type: 'string' },
        token: { type: 'string', multiple: true },
        'rate-limit': { type: 'string' },
        'rate-burst': { type: 'string' },
        'metrics-token': { type: 'string' },
        insecure: { type: 'boolean' },
        'body-limit': { type: 'string' },
        'retain-events': { type: 'string' },
        'retain-done': { type: 'string' },
        webhook: { type: 'string', multiple: true },
        'webhook-secret': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const pick = (flag: string, variable: string): string | undefined => {
    const value = values[flag];
    if (Array.isArray(value)) return value.at(-1);
    if (typeof value === 'string') return value;
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };

  const config: ServerConfig = { ...DEFAULTS };
  const port = pick('port', 'PORT');
  if (port !== undefined) config.port = parsePort(port, '--port', false) as number;
  const dashboardPort = pick('dashboard-port', 'DASHBOARD_PORT');
  if (dashboardPort !== undefined) config.dashboardPort = parsePort(dashboardPort, '--dashboard-port', true);
  config.host = pick('host', 'HOST') ?? config.host;
  config.db = pick('db', 'TC_DB') ?? config.db;
  config.databaseUrl = pick('database-url', 'DATABASE_URL') ?? null;
  config.databaseSchema = pick('database-schema', 'TC_DATABASE_SCHEMA') ?? config.databaseSchema;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(config.databaseSchema)) {
    throw new ConfigError(`--database-schema: "${config.databaseSchema}" must be a plain SQL identifier`);
  }
  const slots = pick('slots', 'TC_SLOTS');
  if (slots !== undefined) {
    if (!/^\d+$/.test(slots) || Number(slots) < 1 || Number(slots) > LIMITS.slotMax) {
      throw new ConfigError(`--slots: "${slots}" must be a whole number from 1 to ${LIMITS.slotMax}`);
    }
    config.slots = Number(slots);
  }
  const projectSlots = pick('project-slots', 'TC_PROJECT_SLOTS');
  if (projectSlots !== undefined) {
    config.projectSlots = {};
    for (const entry of projectSlots
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const match = /^([A-Za-z0-9._:/-]{1,64})=(\d+)$/.exec(entry);
      if (!match || Number(match[2]) < 1 || Number(match[2]) > LIMITS.slotMax) {
        throw new ConfigError(
          `--project-slots: "${entry}" must be project=slots with slots from 1 to ${LIMITS.slotMax}`,
        );
      }
      config.projectSlots[match[1] as string] = Number(match[2]);
    }
  }
  for (const [flag, variable, key] of [
    ['lease-ttl', 'TC_LEASE_TTL', 'leaseTtlMs'],
    ['legacy-lease-ttl', 'TC_LEGACY_LEASE_TTL', 'legacyLeaseTtlMs'],
  ] as const) {
    const text = pick(flag, variable);
    if (text === undefined) continue;
    const ms = parseDuration(text, `--${flag}`);
    if (ms < LIMITS.leaseTtlMinMs || ms > LIMITS.leaseTtlMaxMs)
      throw new ConfigError(`--${flag}: must be between 1s and 24h`);
    config[key] = ms;
  }
  Object.assign(config, parseTokens((values.token as string[] | undefined) ?? [], env));
  config.rateLimit = parseRateLimit(pick('rate-limit', 'TC_RATE_LIMIT'), pick('rate-burst', 'TC_RATE_BURST'));
  config.metricsToken = pick('metrics-token', 'TC_METRICS_TOKEN') ?? null;
  config.insecure = values.insecure === true;
  for (const [flag, variable, key] of [
    ['retain-events', 'TC_RETAIN_EVENTS', 'retainEventsMs'],
    ['retain-done', 'TC_RETAIN_DONE', 'retainDoneMs'],
  ] as const) {
    const text = pick(flag, variable);
    if (text === undefined) continue;
    if (text.trim() === 'off' || text.trim() === '0') {
      config[key] = null;
      continue;
    }
    const ms = parseDuration(text, `--${flag}`);
    // Shorter than a minute would prune events a reconnecting client is about to resume from.
    if (ms < 60_000) throw new ConfigError(`--${flag}: must be at least 1m, or off`);
    config[key] = ms;
  }
  const bodyLimit = pick('body-limit', 'TC_BODY_LIMIT');
  if (bodyLimit !== undefined) config.bodyLimitBytes = parseByteSize(bodyLimit, '--body-limit');
  try {
    config.webhooks = parseWebhooks((values.webhook as string[] | undefined) ?? [], env.TC_WEBHOOKS);
    config.webhookSecret = pick('webhook-secret', 'TC_WEBHOOK_SECRET') ?? null;
    checkWebhookSecret(config.webhookSecret, config.webhooks);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return { kind: 'serve', config };
}

const TOKEN_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * `--token <secret>` and TC_TOKEN give the one unnamed token; `--token <name>:<secret>` (repeated)
 * and TC_TOKENS (`name:secret,name:secret`) give named ones. A secret that itself looks like
 * `name:rest` must come through TC_TOKEN, which is always taken whole.
 */
function parseTokens(flags: string[], env: NodeJS.ProcessEnv): { token: string | null; tokens: NamedToken[] } {
  let token: string | null = null;
  const tokens: NamedToken[] = [];
  const named = (text: string, where: string) => {
    const colon = text.indexOf(':');
    const name = text.slice(0, colon);
    const secret = text.slice(colon + 1);
    if (colon === -1 || !TOKEN_NAME.test(name) || secret === '')
      throw new ConfigError(`${where}: "${name}:…" must be <name>:<secret> (name: letters, digits, _ . -)`);
    tokens.push({ name, secret });
  };
  for (const flag of flags) {
    if (flag === '') throw new ConfigError('--token: empty');
    const colon = flag.indexOf(':');
    if (colon > 0 && TOKEN_NAME.test(flag.slice(0, colon))) named(flag, '--token');
    else if (token !== null)
      throw new ConfigError('--token: only one unnamed token; name them (--token <name>:<secret>) to give several');
    else token = flag;
  }
  if (flags.length === 0) {
    if (env.TC_TOKEN) token = env.TC_TOKEN;
    for (const entry of (env.TC_TOKENS ?? '').split(',')) if (entry.trim() !== '') named(entry.trim(), 'TC_TOKENS');
  }
  const names = new Set<string>();
  const secrets = new Set<string>(token === null ? [] : [token]);
  for (const { name, secret } of tokens) {
    if (names.has(name)) throw new ConfigError(`token name "${name}" is given twice`);
    if (secrets.has(secret)) throw new ConfigError(`token "${name}" has the same secret as another token`);
    names.add(name);
    secrets.add(secret);
  }
  return { token, tokens };
}

function parseRateLimit(rate: string | undefined, burst: string | undefined): RateLimit | null {
  if (rate === undefined) {
    if (burst !== undefined) throw new ConfigError('--rate-burst needs --rate-limit');
    return null;
  }
  if (!/^\d+(\.\d+)?$/.test(rate.trim()))
    throw new ConfigError(`--rate-limit: "${rate}" is not a number of requests per second`);
  const perSecond = Number(rate);
  if (perSecond === 0) return null;
  let size = Math.max(1, Math.ceil(perSecond * 2));
  if (burst !== undefined) {
    if (!/^\d+$/.test(burst.trim()) || Number(burst) < 1)
      throw new ConfigError(`--rate-burst: "${burst}" must be a whole number of requests, at least 1`);
    size = Number(burst);
  }
  return { perSecond, burst: size };
}
