// GET /api/v1/webhooks: each webhook's queue and the last delivery attempts (the dashboard's webhooks panel).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, type WebhooksAnswer } from '@task-coordinator/core';
import type { Logger } from '../http/errors.js';
import type { RequestGuard } from '../http/security.js';
import { send, sendDomainError } from '../http/respond.js';
import type { WebhookDispatcher } from './dispatcher.js';

export const WEBHOOKS_PATH = '/api/v1/webhooks';

export function createWebhooksHandler(options: {
  webhooks: WebhookDispatcher | null;
  guard: RequestGuard;
  log: Logger;
}): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '/';
    if (url !== WEBHOOKS_PATH && !url.startsWith(`${WEBHOOKS_PATH}?`)) return false;
    const refused = options.guard.check(req);
    if (refused) {
      sendDomainError(res, refused);
      return true;
    }
    if (req.method !== 'GET') {
      sendDomainError(res, new DomainError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use GET`));
      return true;
    }
    const view = options.webhooks?.view() ?? { leader: false, webhooks: [] };
    const answer: WebhooksAnswer = { ...view, attempts: options.webhooks?.attempts() ?? [] };
    send(res, 200, answer);
    return true;
  };
}
