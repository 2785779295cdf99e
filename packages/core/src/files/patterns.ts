// File patterns of reservations and declared task files: normalised, then validated.
//
// A pattern is a repo-relative path or a picomatch glob, compared case-sensitively, `/`-separated.
// Normalisation: `\` becomes `/` (so there are no escapes), duplicate slashes collapse, leading `./`
// segments go, and a trailing `/` means "the directory and everything under it" (`dir/` → `dir/**`).
// Refused (VALIDATION_FAILED): empty, absolute (`/x`, `C:\x`, `C:x`), a `..` segment, a leading `!`
// (negation), control characters, more than FILES_LIMITS.patternsMax patterns or longer than
// FILES_LIMITS.patternMaxLength characters.
export const FILES_LIMITS = {
  /** Patterns in one call, and declared files on one task. */
  patternsMax: 64,
  patternMaxLength: 512,
  /** Reason text of a reservation. */
  reasonMaxLength: 1024,
} as const;

/** Why `raw` is not a valid pattern (null when it is), after normalisation. */
export function patternProblem(raw: string): string | null {
  if (typeof raw !== 'string') return 'must be a string';
  if (raw.length > FILES_LIMITS.patternMaxLength) return `must be at most ${FILES_LIMITS.patternMaxLength} characters`;
  if (raw.trim() === '') return 'must not be empty';
  if (/[\u0000-\u001f\u007f]/.test(raw)) return 'must not contain control characters';
  if (/^[A-Za-z]:/.test(raw)) return 'must be relative to the repository (no drive letter)';
  const slashed = raw.replace(/\\/g, '/');
  if (slashed.startsWith('/')) return 'must be relative to the repository (not absolute)';
  if (slashed.split('/').some((segment) => segment === '..')) return 'must not contain a ".." segment';
  if (slashed.startsWith('!')) return 'negated patterns ("!…") are not supported';
  return null;
}

/** The normal form of a valid pattern (see the file comment). Call patternProblem first. */
export function normalisePattern(raw: string): string {
  let p = raw.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  const segments = p.split('/').filter((s, i, all) => !(s === '.' && all.length > 1));
  p = segments.join('/');
  if (p.endsWith('/')) p = `${p}**`;
  if (p === '' || p === '.') p = '**';
  return p;
}
