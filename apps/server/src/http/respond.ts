// Writing JSON answers and reading JSON bodies on node:http: shared by /api/v1, /metrics and /mcp.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from '@task-coordinator/core';
import { jsonBytes } from '../snapshot/serialized.js';

const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  // A first page the snapshot answered again is sent as the bytes of its first answer.
  const json = jsonBytes(body);
  res.writeHead(status, { ...HEADERS, ...extra, 'content-length': json.length });
  res.end(json);
}

/** The error's status and headers (a challenge on 401, Retry-After when the store is busy), with `body` (its own by default). */
export function sendDomainError(res: ServerResponse, error: DomainError, body: unknown = error.toBody()): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const extra: Record<string, string> = {};
  if (error.code === 'UNAUTHORIZED') extra['www-authenticate'] = 'Bearer realm="task-coordinator"';
  if (error.code === 'STORE_BUSY' || error.code === 'STORE_UNAVAILABLE') extra['retry-after'] = '1';
  send(res, error.httpStatus, body, extra);
}

function isJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (typeof type !== 'string') return false;
  const mime = (type.split(';')[0] as string).trim().toLowerCase();
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

/**
 * Reads a JSON body up to `limit` bytes. A body declared as another type (or as none) is refused
 * with VALIDATION_FAILED naming the header, unless `anyType` (MCP: the transport speaks JSON
 * whatever the header says). An empty body reads as undefined.
 */
export function readBody(req: IncomingMessage, limit: number, anyType = false): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(
      new DomainError('PAYLOAD_TOO_LARGE', `request body is over the ${limit} byte limit`, { limit }),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new DomainError('PAYLOAD_TOO_LARGE', `request body is over the ${limit} byte limit`, { limit }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      if (size === 0) return resolve(undefined);
      if (!anyType && !isJson(req)) {
        const type = req.headers['content-type'];
        return reject(
          new DomainError(
            'VALIDATION_FAILED',
            `the request body must be JSON sent with Content-Type: application/json (${typeof type === 'string' ? `got ${type}` : 'no Content-Type header was sent'})`,
            { issues: [{ path: '(body)', message: 'Content-Type is not application/json' }] },
          ),
        );
      }
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
      } catch {
        reject(
          new DomainError('VALIDATION_FAILED', 'request body is not valid JSON', {
            issues: [{ path: '(body)', message: 'invalid JSON' }],
          }),
        );
      }
    });
    req.on('error', () => {
      if (!failed) reject(new DomainError('VALIDATION_FAILED', 'request aborted by the client'));
      failed = true;
    });
  });
}
