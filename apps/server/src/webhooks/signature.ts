// Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>", and the check a receiver runs.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of every delivery. */
export const WEBHOOK_HEADERS = {
  /** Unique per webhook and event: the same on every retry and after a restart; receivers drop repeats by it. */
  delivery: 'x-tc-delivery',
  /** The event name (`task.failed`, `plan.finished`, …). */
  event: 'x-tc-event',
  /** Unix seconds when this attempt was signed. */
  timestamp: 'x-tc-timestamp',
  /** `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" under the shared secret>`. */
  signature: 'x-tc-signature',
} as const;

/** A receiver refuses timestamps further than this from its own clock (replay window). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * What a receiver does with a delivery: recompute the HMAC over the timestamp header, a dot and
 * the raw body bytes as received, compare in constant time, and refuse a timestamp outside the
 * tolerance (a captured delivery replayed later). Deduplicate on `x-tc-delivery` as well: a
 * delivery is retried until acknowledged, so it may arrive more than once.
 */
export function verifyWebhook(options: {
  secret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  /** The receiver's clock, Unix seconds. */
  nowSeconds: number;
  toleranceSeconds?: number;
}): VerifyResult {
  const { timestamp, signature } = options;
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing timestamp' };
  if (signature === undefined || !signature.startsWith('sha256=')) return { ok: false, reason: 'missing signature' };
  const skew = Math.abs(options.nowSeconds - Number(timestamp));
  if (skew > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS))
    return { ok: false, reason: `timestamp ${skew} s away from now` };
  const expected = Buffer.from(signWebhook(options.secret, Number(timestamp), options.body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'bad signature' };
  return { ok: true };
}
