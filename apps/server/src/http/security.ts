// Security defaults: Host and Origin checks against DNS rebinding and cross-site requests, Bearer tokens (named or not).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DomainError } from '@task-coordinator/core';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True for addresses only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::ffff:127.0.0.1';
}

/** The host name of a Host header or URL authority, lower-cased, without port or brackets. */
export function hostnameOf(authority: string): string {
  const trimmed = authority.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(1, trimmed.indexOf(']'));
  const colon = trimmed.lastIndexOf(':');
  return colon === -1 ? trimmed : trimmed.slice(0, colon);
}

/** Who presented what: whether the token is good, and the name of the named token it matched. */
export interface Identity {
  authorized: boolean;
  /** The named token presented; null for the unnamed token, no token configured, or a wrong one. */
  tokenName: string | null;
  /**
   * The name the audit trail records: the named token's, or `default` for the unnamed token
   * (TC_TOKEN), so every authenticated change names its token; null without a token.
   */
  auditName: string | null;
}

/** What the audit trail calls the unnamed token (TC_TOKEN / --token <secret>). */
export const UNNAMED_TOKEN_AUDIT_NAME = 'default';

export interface RequestGuard {
  /** Null when the request may go on; otherwise the rejection. */
  check(req: IncomingMessage): DomainError | null;
  /** Whether the request carries a valid token (always true when no token is configured). */
  authorized(req: IncomingMessage): boolean;
  /** The request's identity, worked out once per request. */
  identify(req: IncomingMessage): Identity;
  /** Compares a presented token with the configured ones in constant time. */
  tokenMatches(presented: unknown): boolean;
  /** The identity a presented token (e.g. from a Socket.IO handshake) gives. */
  identifyToken(presented: unknown): Identity;
}

/**
 * On a loopback bind, a request must name a loopback Host (a DNS-rebinding page names its own
 * domain), and a browser request from another origin is refused even without CORS, because a
 * "simple" cross-site POST is sent before any CORS check. With a token, every request must carry it.
 */
export function createGuard(options: {
  loopback: boolean;
  token: string | null;
  tokens?: ReadonlyArray<{ name: string; secret: string }>;
}): RequestGuard {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const expected = [
    ...(options.token === null ? [] : [{ name: null, hash: digest(options.token) }]),
    ...(options.tokens ?? []).map(({ name, secret }) => ({ name, hash: digest(secret) })),
  ];
  const open: Identity = { authorized: true, tokenName: null, auditName: null };
  const refused: Identity = { authorized: false, tokenName: null, auditName: null };

  const identifyToken = (presented: unknown): Identity => {
    if (expected.length === 0) return open;
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 4096) return refused;
    // Hash first: equal lengths for timingSafeEqual, and no length leak. Every configured token is
    // compared, with no early exit, so the time taken does not say which one (if any) matched.
    const hash = digest(presented);
    let found: Identity = refused;
    for (const candidate of expected) {
      if (timingSafeEqual(hash, candidate.hash))
        found = { authorized: true, tokenName: candidate.name, auditName: candidate.name ?? UNNAMED_TOKEN_AUDIT_NAME };
    }
    return found;
  };
  const tokenMatches = (presented: unknown): boolean => identifyToken(presented).authorized;

  const bearer = (req: IncomingMessage): string | null => {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return null;
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match ? (match[1] as string) : null;
  };

  const known = new WeakMap<IncomingMessage, Identity>();
  const identify = (req: IncomingMessage): Identity => {
    let identity = known.get(req);
    if (identity === undefined) {
      identity = identifyToken(expected.length === 0 ? undefined : bearer(req));
      known.set(req, identity);
    }
    return identity;
  };

  return {
    tokenMatches,
    identifyToken,
    identify,
    authorized: (req) => identify(req).authorized,
    check(req) {
      const host = req.headers.host;
      if (options.loopback) {
        if (typeof host !== 'string' || !isLoopbackAddress(hostnameOf(host))) {
          return new DomainError(
            'FORBIDDEN',
            'this server only answers requests addressed to localhost (Host header refused)',
            {
              reason: 'host',
            },
          );
        }
      }
      const origin = req.headers.origin;
      if (typeof origin === 'string' && origin !== 'null') {
        let originHost: string;
        try {
          originHost = new URL(origin).host.toLowerCase();
        } catch {
          return new DomainError('FORBIDDEN', 'malformed Origin header', { reason: 'origin' });
        }
        if (typeof host !== 'string' || originHost !== host.toLowerCase()) {
          return new DomainError('FORBIDDEN', 'cross-origin requests are not allowed', { reason: 'origin' });
        }
      } else if (origin === 'null') {
        return new DomainError('FORBIDDEN', 'cross-origin requests are not allowed', { reason: 'origin' });
      }
      return null;
    },
  };
}
