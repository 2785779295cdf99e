// The one error model: every layer (core, stores, HTTP, MCP, dashboard) speaks these codes.

/**
 * Every error code with the HTTP status it maps to. Exhaustive by construction: adding a code
 * without a status does not compile. The server turns anything that is not a DomainError into
 * `INTERNAL` (and logs it); clients rebuild a DomainError from `{error:{code,message,details}}`.
 */
export const ERROR_HTTP_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TASK_NOT_FOUND: 404,
  SLOT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  TASK_EXISTS: 409,
  NOT_CLAIMABLE: 409,
  SLOT_NOT_HELD: 409,
  SLOT_BUSY: 409,
  NO_FREE_SLOT: 409,
  LEASE_LOST: 409,
  FILES_CONFLICT: 409,
  INVALID_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** The request line or headers are over the HTTP parser's limit (16 KiB), e.g. a huge query string. */
  HEADERS_TOO_LARGE: 431,
  UNKNOWN_DEPENDENCY: 422,
  DEPENDENCY_CYCLE: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  STORE_UNAVAILABLE: 503,
  STORE_BUSY: 503,
  /** A client could not reach the coordinator server at all (said by clients, never by the server). */
  SERVER_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

export const ERROR_CODES = Object.keys(ERROR_HTTP_STATUS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_HTTP_STATUS, value);
}

/** The JSON body of every rejected request: `{"error":{"code","message","details"}}`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** A rejection the caller can act on. Thrown by core rules, stores and apps alike. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return {
      error:
        this.details === undefined
          ? { code: this.code, message: this.message }
          : { code: this.code, message: this.message, details: this.details },
    };
  }

  /** Rebuilds the error on the receiving side of the wire; unknown shapes become INTERNAL. */
  static fromBody(body: unknown): DomainError {
    const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
    if (error && isErrorCode(error.code)) {
      const details =
        error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : undefined;
      return new DomainError(error.code, typeof error.message === 'string' ? error.message : error.code, details);
    }
    return new DomainError('INTERNAL', 'unexpected error body');
  }
}
