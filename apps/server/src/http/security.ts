// Security defaults: Host and Origin checks against DNS rebinding and cross-site requests, Bearer tokens.
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

export interface RequestGuard {
  /** Null when the request may go on; otherwise the rejection. */
  check(req: IncomingMessage): DomainError | null;
  /** Whether the request carries the token (always true when no token is configured). */
  authorized(req: IncomingMessage): boolean;
  /** Compares a presented token with the configured one in constant time. */
  tokenMatches(presented: unknown): boolean;
}

/**
 * On a loopback bind, a request must name a loopback Host (a DNS-rebinding page names its own
 * domain), and a browser request from another origin is refused even without CORS, because a
 * "simple" cross-site POST is sent before any CORS check. With a token, every request must carry it.
 */
export function createGuard(options: { loopback: boolean; token: string | null }): RequestGuard {
  const expected = options.token === null ? null : createHash('sha256').update(options.token).digest();

  const tokenMatches = (presented: unknown): boolean => {
    if (expected === null) return true;
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 4096) return false;
    // Hash first: equal lengths for timingSafeEqual, and no length leak.
    return timingSafeEqual(createHash('sha256').update(presented).digest(), expected);
  };

  const bearer = (req: IncomingMessage): string | null => {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return null;
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match ? (match[1] as string) : null;
  };

  return {
    tokenMatches,
    authorized: (req) => expected === null || tokenMatches(bearer(req)),
    check(req) {
      const host = req.headers.host;
      if (options.loopback) {
        if (typeof host !== 'string' || !isLoopbackAddress(hostnameOf(host))) {
          return new DomainError('FORBIDDEN', 'this server only answers requests addressed to localhost (Host header refused)', {
            reason: 'host',
          });
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
