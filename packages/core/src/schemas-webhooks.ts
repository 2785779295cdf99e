// The answer of GET /api/v1/webhooks: each webhook's queue and the last delivery attempts (OpenAPI, dashboard).
import { z } from 'zod';

export const WebhookStateSchema = z.object({
  id: z.string().describe('Stable id of the webhook (a hash of its URL); names its cursor and its metrics'),
  url: z.string().describe('Where deliveries go (query string hidden)'),
  events: z.array(z.string()).describe('Event names or patterns it receives; empty: the defaults'),
  cursor: z.number().int().nullable().describe('Every event up to this seq is delivered or not wanted'),
  pending: z.number().int().describe('Events after the cursor'),
  failures: z.number().int().describe('Failed attempts at the delivery at the head of its queue'),
  failingSince: z
    .number()
    .int()
    .nullable()
    .describe('When the delivery at the head of its queue first failed; null once one succeeds or is dropped'),
  nextAttemptAt: z
    .number()
    .int()
    .nullable()
    .describe('When the next retry is due (ms since the epoch); null while an attempt is in flight'),
  lastError: z.string().nullable(),
  delivered: z.number().int().describe('Deliveries acknowledged since this server started'),
  failedAttempts: z.number().int().describe('Attempts that failed (and were retried) since this server started'),
  dropped: z.number().int().describe('Deliveries given up after the last attempt'),
  lastDeliveredAt: z.number().int().nullable(),
});
export type WebhookState = z.output<typeof WebhookStateSchema>;

export const WebhookAttemptSchema = z.object({
  at: z.number().int(),
  webhook: z.string(),
  delivery: z.string().describe('The x-tc-delivery id: the same on every attempt of one delivery'),
  event: z.string(),
  seq: z.number().int(),
  attempt: z.number().int(),
  outcome: z.enum(['delivered', 'failed', 'dropped']),
  status: z.number().int().nullable().describe("The receiver's HTTP status; null when none came"),
  error: z.string().nullable(),
  durationMs: z.number(),
  retryAt: z.number().int().nullable(),
});
export type WebhookAttempt = z.output<typeof WebhookAttemptSchema>;

export const WebhooksAnswerSchema = z.object({
  leader: z.boolean().describe('Whether this server process delivers (holds the dispatch lease)'),
  webhooks: z.array(WebhookStateSchema),
  attempts: z.array(WebhookAttemptSchema).describe('The last delivery attempts, newest first'),
});
export type WebhooksAnswer = z.output<typeof WebhooksAnswerSchema>;
