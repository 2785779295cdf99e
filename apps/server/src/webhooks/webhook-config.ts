// --webhook URL[#event,event…] (repeatable) and TC_WEBHOOKS → the webhooks the dispatcher delivers to.
import { createHash } from 'node:crypto';
import { DEFAULT_WEBHOOK_EVENTS } from '@task-coordinator/core';

export interface WebhookSpec {
  /** Stable across restarts (a hash of the URL): names the webhook's cursor in the store. */
  id: string;
  /** Where deliveries are POSTed (without the fragment). */
  url: string;
  /** Event names or patterns (`task.*`, `*`) it receives; empty: DEFAULT_WEBHOOK_EVENTS. */
  events: string[];
}

const EVENT_PATTERN = /^(\*|[a-z]+(\.[a-z_]+)*(\.\*)?)$/;

/**
 * One webhook: `https://host/path` receives the default events; `https://host/path#task.failed,plan.finished`
 * only those (`task.*` a family, `*` everything). The filter rides in the fragment, which is never
 * sent over HTTP, so every URL stays expressible and one flag says it all. Throws with a one-line reason.
 */
export function parseWebhookSpec(text: string, where: string): WebhookSpec {
  const hash = text.indexOf('#');
  const address = hash === -1 ? text : text.slice(0, hash);
  const filter = hash === -1 ? '' : text.slice(hash + 1);
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Error(`${where}: "${address}" is not a URL (http://… or https://…)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${where}: "${address}" must be an http:// or https:// URL`);
  if (url.username !== '' || url.password !== '')
    throw new Error(`${where}: put no credentials in the URL; deliveries are signed with --webhook-secret`);
  const events = filter
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const event of events)
    if (!EVENT_PATTERN.test(event))
      throw new Error(
        `${where}: "${event}" is not an event name or pattern (e.g. task.failed, task.*, *; defaults: ${DEFAULT_WEBHOOK_EVENTS.join(', ')})`,
      );
  const href = url.href;
  return { id: `wh_${createHash('sha256').update(href).digest('hex').slice(0, 16)}`, url: href, events };
}

/** Every webhook from the flags (which win) or TC_WEBHOOKS (whitespace-separated); the same URL twice is an error. */
export function parseWebhooks(flags: readonly string[], env: string | undefined): WebhookSpec[] {
  const entries =
    flags.length > 0
      ? flags.map((text) => ({ text, where: '--webhook' }))
      : (env ?? '')
          .split(/\s+/)
          .filter(Boolean)
          .map((text) => ({ text, where: 'TC_WEBHOOKS' }));
  const specs: WebhookSpec[] = [];
  for (const { text, where } of entries) {
    const spec = parseWebhookSpec(text, where);
    if (specs.some((s) => s.url === spec.url))
      throw new Error(`${where}: ${spec.url} is given twice; give one URL once with every event it wants after #`);
    specs.push(spec);
  }
  return specs;
}

/** The secret deliveries are signed with: required once a webhook is configured, at least 16 characters. */
export function checkWebhookSecret(secret: string | null, webhooks: readonly WebhookSpec[]): void {
  if (webhooks.length === 0) return;
  if (secret === null)
    throw new Error('--webhook needs --webhook-secret (or TC_WEBHOOK_SECRET): receivers check each delivery with it');
  if (secret.length < 16) throw new Error('--webhook-secret: use at least 16 characters');
}
