// tcx's exit codes and the remedy printed under each error code: what a script branches on, what a person does next.
import { DomainError, type ErrorCode } from '@task-coordinator/core';

/**
 * | code | name        | when                                                                          |
 * |------|-------------|-------------------------------------------------------------------------------|
 * | 0    | OK          | the command did what it was asked                                             |
 * | 1    | INTERNAL    | an unexpected failure (a bug: please report it)                               |
 * | 2    | USAGE       | bad flags or arguments; VALIDATION_FAILED, UNKNOWN_DEPENDENCY, DEPENDENCY_CYCLE, PAYLOAD_TOO_LARGE |
 * | 3    | NOT_FOUND   | TASK_NOT_FOUND, SLOT_NOT_FOUND: no such task or slot                          |
 * | 4    | CONFLICT    | the board refused the change: TASK_EXISTS, NOT_CLAIMABLE, INVALID_TRANSITION, SLOT_*, NO_FREE_SLOT, FILES_CONFLICT; `reserve --check`: a path is held |
 * | 5    | LEASE_LOST  | the task is no longer yours: stop working on it                               |
 * | 6    | NO_WORK     | `claim` found no available task (within --wait)                               |
 * | 7    | AUTH        | UNAUTHORIZED, FORBIDDEN: the token is missing or wrong                        |
 * | 8    | UNAVAILABLE | SERVER_UNAVAILABLE, STORE_BUSY, STORE_UNAVAILABLE, RATE_LIMITED: retry later  |
 */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  CONFLICT: 4,
  LEASE_LOST: 5,
  NO_WORK: 6,
  AUTH: 7,
  UNAVAILABLE: 8,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const EXIT_OF_CODE: Record<ErrorCode, ExitCode> = {
  VALIDATION_FAILED: EXIT.USAGE,
  UNKNOWN_DEPENDENCY: EXIT.USAGE,
  DEPENDENCY_CYCLE: EXIT.USAGE,
  PAYLOAD_TOO_LARGE: EXIT.USAGE,
  HEADERS_TOO_LARGE: EXIT.USAGE,
  METHOD_NOT_ALLOWED: EXIT.INTERNAL,
  NOT_FOUND: EXIT.NOT_FOUND,
  TASK_NOT_FOUND: EXIT.NOT_FOUND,
  SLOT_NOT_FOUND: EXIT.NOT_FOUND,
  TASK_EXISTS: EXIT.CONFLICT,
  NOT_CLAIMABLE: EXIT.CONFLICT,
  SLOT_NOT_HELD: EXIT.CONFLICT,
  SLOT_BUSY: EXIT.CONFLICT,
  NO_FREE_SLOT: EXIT.CONFLICT,
  INVALID_TRANSITION: EXIT.CONFLICT,
  FILES_CONFLICT: EXIT.CONFLICT,
  LEASE_LOST: EXIT.LEASE_LOST,
  UNAUTHORIZED: EXIT.AUTH,
  FORBIDDEN: EXIT.AUTH,
  RATE_LIMITED: EXIT.UNAVAILABLE,
  STORE_BUSY: EXIT.UNAVAILABLE,
  STORE_UNAVAILABLE: EXIT.UNAVAILABLE,
  SERVER_UNAVAILABLE: EXIT.UNAVAILABLE,
  INTERNAL: EXIT.INTERNAL,
};

/** Codes added by later issues map by their HTTP status until they get a row here. */
export function exitCodeOf(error: DomainError): ExitCode {
  const known = (EXIT_OF_CODE as Partial<Record<string, ExitCode>>)[error.code];
  if (known !== undefined) return known;
  const status = error.httpStatus;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 409) return EXIT.CONFLICT;
  if (status === 401 || status === 403) return EXIT.AUTH;
  if (status >= 400 && status < 500) return EXIT.USAGE;
  return status === 503 || status === 429 ? EXIT.UNAVAILABLE : EXIT.INTERNAL;
}

/** What to do about each error, in tcx's own terms. */
export const REMEDIES: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'Fix the named field and run the command again (tcx <command> --help shows the flags).',
  TASK_NOT_FOUND: 'Check the id with `tcx ls` (and the project with --project or TASK_COORDINATOR_PROJECT).',
  SLOT_NOT_FOUND: 'List the slots with `tcx stats`.',
  TASK_EXISTS: 'Use another id, or `tcx show <id>` to see the existing task.',
  UNKNOWN_DEPENDENCY: 'Add the missing tasks first, or in the same batch (`tcx add` reads a batch from stdin).',
  DEPENDENCY_CYCLE: 'Remove the cycle from the dependencies.',
  NOT_CLAIMABLE: 'Take another task with `tcx claim`, or see why with `tcx show <id>`.',
  SLOT_NOT_HELD: 'Use `tcx claim`, which takes a slot for you.',
  SLOT_BUSY: 'Finish (`tcx done`) or release (`tcx release`) the task you hold first.',
  NO_FREE_SLOT: 'Every worker slot is in use: wait with `tcx claim --wait 60`, or start the server with more --slots.',
  LEASE_LOST: 'Stop working on it: the task is no longer yours. Take new work with `tcx claim`.',
  INVALID_TRANSITION: 'See where the task stands with `tcx show <id>`.',
  FILES_CONFLICT:
    'Another worker holds those files (named above): reserve other patterns, or wait until its task is finished (`tcx reserve --list`).',
  UNAUTHORIZED: "Set TASK_COORDINATOR_TOKEN (or --token) to the server's token.",
  FORBIDDEN: 'This token may not do that; use a token the server grants it to.',
  PAYLOAD_TOO_LARGE: 'Send less: split the batch, or shorten the text.',
  RATE_LIMITED: 'Slow down and retry in a moment.',
  STORE_BUSY: 'Retry in a moment.',
  STORE_UNAVAILABLE: 'The server cannot reach its database; retry in a moment.',
  SERVER_UNAVAILABLE:
    'Start the server (`npx task-coordinator-server`, or `npm start` in its repository), or point TASK_COORDINATOR_URL (--url) at it.',
  INTERNAL: 'The server hit an unexpected error: its log has the details.',
};

/** A usage mistake caught before anything is sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure that is not an error of the board: `claim` found nothing, for instance. */
export class ExitError extends Error {
  override readonly name = 'ExitError';
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

export function describeFailure(error: unknown): { text: string; exitCode: ExitCode; json: unknown } {
  if (error instanceof DomainError) {
    const remedy = REMEDIES[error.code];
    const issues = (error.details?.issues as Array<{ path?: string; message?: string }> | undefined) ?? [];
    const lines = [`${error.code}: ${error.message}`];
    if (issues.length > 1) for (const issue of issues) lines.push(`  ${issue.path ?? ''}: ${issue.message ?? ''}`);
    if (remedy) lines.push(`→ ${remedy}`);
    return {
      text: lines.join('\n'),
      exitCode: exitCodeOf(error),
      json: {
        error: { code: error.code, message: error.message, ...(remedy ? { remedy } : {}), details: error.details },
      },
    };
  }
  if (error instanceof UsageError)
    return {
      text: `USAGE: ${error.message}\n→ See \`tcx --help\` or \`tcx <command> --help\`.`,
      exitCode: EXIT.USAGE,
      json: { error: { code: 'USAGE', message: error.message } },
    };
  if (error instanceof ExitError)
    return {
      text: `${error.code}: ${error.message}`,
      exitCode: error.exitCode,
      json: { error: { code: error.code, message: error.message } },
    };
  const message = (error as Error)?.message ?? String(error);
  return {
    text: `INTERNAL: ${message}\n→ This is a bug in tcx: please report it with the command you ran.`,
    exitCode: EXIT.INTERNAL,
    json: { error: { code: 'INTERNAL', message } },
  };
}
