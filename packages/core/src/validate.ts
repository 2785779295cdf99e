// Turns schema failures into VALIDATION_FAILED errors that name every offending field.
import type { z } from 'zod';
import { DomainError } from './errors.js';

export interface ValidationIssue {
  path: string;
  message: string;
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(body)' : out;
}

/** Parses `input` with `schema`, or throws VALIDATION_FAILED naming the fields (at most 20 issues). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'input'): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues: ValidationIssue[] = parsed.error.issues.slice(0, 20).map((issue) => ({
    path: pathOf(issue.path),
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  const summary = issues
    .slice(0, 3)
    .map((issue) => `${issue.path}: ${issue.message}`)
    .join('; ');
  const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : '';
  return failValidation(`invalid ${what}: ${summary}${more}`, issues);
}

export function failValidation(message: string, issues: ValidationIssue[]): never {
  throw new DomainError('VALIDATION_FAILED', message, { issues });
}
