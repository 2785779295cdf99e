// MCP progress notifications while a tool call waits (claim_next_task for work, ask_human for an answer).
import type { Extra } from './define.js';

/** Sends a progress notification now and every `everyMs` while a call waits, when the client asked for progress. */
export function progress(extra: Extra, waitMs: number, everyMs: number, what = 'a task'): () => void {
  const token = extra._meta?.progressToken;
  if (token === undefined) return () => undefined;
  const started = Date.now();
  const send = () => {
    const elapsed = Date.now() - started;
    void extra
      .sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken: token,
          progress: Math.min(elapsed, waitMs),
          total: waitMs,
          message: `waiting for ${what} (${Math.round(elapsed / 1000)}s)`,
        },
      })
      .catch(() => undefined);
  };
  send();
  const timer = setInterval(send, everyMs);
  return () => clearInterval(timer);
}
