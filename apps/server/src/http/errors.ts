// Every failure becomes a code from the shared table: v1 answers {error:{code,message,details}},
// the original endpoints {success:false,error,code}. Unknown failures are INTERNAL, logged, never shown.
import type { ErrorRequestHandler, Response } from 'express';
import { DomainError } from '@task-coordinator/core';

export type Logger = (message: string, error?: unknown) => void;

/** Maps body-parser and other framework errors to our codes; anything else is INTERNAL. */
export function toDomainError(error: unknown, log: Logger): DomainError {
  if (error instanceof DomainError) return error;
  const e = error as { type?: unknown; status?: unknown; limit?: unknown } | null;
  switch (e?.type) {
    case 'entity.too.large':
      return new DomainError('PAYLOAD_TOO_LARGE', `request body is over the ${String(e.limit)} byte limit`, {
        limit: e.limit,
      });
    case 'entity.parse.failed':
      return new DomainError('VALIDATION_FAILED', 'request body is not valid JSON', {
        issues: [{ path: '(body)', message: 'invalid JSON' }],
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new DomainError('VALIDATION_FAILED', 'request body must be UTF-8 JSON', {
        issues: [{ path: '(body)', message: 'unsupported encoding' }],
      });
    case 'request.aborted':
      return new DomainError('VALIDATION_FAILED', 'request aborted by the client');
    default:
      break;
  }
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new DomainError('VALIDATION_FAILED', 'malformed request');
  }
  log('internal error', error);
  return new DomainError('INTERNAL', 'internal error; the server logged the details');
}

export function sendError(res: Response, error: DomainError, format: 'v1' | 'legacy'): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error.code === 'UNAUTHORIZED') res.setHeader('WWW-Authenticate', 'Bearer realm="task-coordinator"');
  const retryAfter = error.code === 'STORE_BUSY' || error.code === 'STORE_UNAVAILABLE' ? '1' : null;
  if (retryAfter) res.setHeader('Retry-After', retryAfter);
  res
    .status(error.httpStatus)
    .json(format === 'v1' ? error.toBody() : { success: false, error: error.message, code: error.code });
}

export function errorHandler(format: 'v1' | 'legacy', log: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => sendError(res, toDomainError(error, log), format);
}
