// Per-client token buckets: an abusive client gets 429 RATE_LIMITED while the others go on untouched.
//
// A client is the named token it presents, else its remote address (the unnamed token is shared,
// so it says nothing about who is calling). In-process on purpose: each replica limits what it
// serves, with no shared infrastructure; the limit is per replica.
import type { IncomingMessage } from 'node:http';
import type { RateLimit } from '../config.js';
import type { RequestGuard } from './security.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** Idle buckets are forgotten beyond this many clients (a full bucket carries no state worth keeping). */
const MAX_CLIENTS = 10_000;

export interface RateLimiter {
  /** Takes one request from the client's bucket: 0 when allowed, else the seconds until it would be. */
  take(key: string): number;
  /** The client a request counts against. */
  keyOf(req: IncomingMessage): string;
}

export function createRateLimiter(
  limit: RateLimit,
  guard: RequestGuard,
  now: () => number = () => performance.now(),
): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const perMs = limit.perSecond / 1000;

  const forgetIdle = (at: number) => {
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + (at - bucket.at) * perMs >= limit.burst) buckets.delete(key);
    }
  };

  return {
    keyOf(req) {
      const name = guard.identify(req).tokenName;
      return name !== null ? `token:${name}` : `addr:${req.socket.remoteAddress ?? 'unknown'}`;
    },
    take(key) {
      const at = now();
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        if (buckets.size >= MAX_CLIENTS) forgetIdle(at);
        bucket = { tokens: limit.burst, at };
        buckets.set(key, bucket);
      } else {
        bucket.tokens = Math.min(limit.burst, bucket.tokens + (at - bucket.at) * perMs);
        bucket.at = at;
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    },
  };
}
