// Do two patterns overlap: could some path match both? The conflict test of reservations.
//
// Sound by construction: it never answers "no" when some path matches both patterns (as picomatch
// matches them, with `dot: true`); the property test (testing/property-files.ts) checks this
// against brute-force matching. It may answer "yes" where no path matches both (a false positive)
// only in the cases docs/reservations.md lists:
//   - character classes (`[abc]`) are taken as "any one character";
//   - patterns with extglobs or groups (`(`, `)`, `|`), nested or comma-less braces, or classes
//     that contain `/` or `[`, are compared by their static prefix only (the segments before the
//     first one with a glob character): they overlap unless one prefix diverges from the other.
// Exact otherwise: a concrete path against anything is picomatch's own answer; globs made of
// literal characters, `?`, `*`, `**` segments and simple `{a,b}` braces are compared exactly by
// intersecting them segment by segment (a `**` segment stands for any number of segments,
// including none, the way picomatch reads it; `**` inside a segment is a `*`).
import picomatch from 'picomatch/posix.js';

/** Options every match uses: dotfiles are files like any other. */
export const MATCH_OPTIONS = { dot: true } as const;

/** One character position of a segment glob. */
type Char = { kind: 'lit'; c: string } | { kind: 'one' } | { kind: 'star' };
/** A segment: its characters, or `**` (any number of segments). */
type Segment = Char[] | 'globstar';

export interface CompiledPattern {
  pattern: string;
  /** No glob character at all: the pattern is the one path it names. */
  literal: boolean;
  /** The exact alternatives (brace-expanded), or null when only the static prefix is known (opaque). */
  alternatives: Segment[][] | null;
  /** The static prefix's segments (every path it matches starts with them). */
  base: string[];
  /** The static prefix's own prefixes, joined by `/`, shortest (``) first: `base` joined is the last. */
  prefixes: string[];
  matches: (path: string) => boolean;
}

const GLOB_CHARS = /[*?[\]{}()!+@|]/;
const OPAQUE_CHARS = /[()|]/;
const MAX_ALTERNATIVES = 64;
const CACHE_MAX = 10_000;
// Two generations: a pattern used again moves to the young one, so the patterns held for long (the
// reservations every claim checks against) stay compiled while one-off candidates age out.
let young = new Map<string, CompiledPattern>();
let old = new Map<string, CompiledPattern>();

/** Compiles (once; cached) a normalised pattern. A plain path is compiled anew each time (cheap, and mostly seen once). */
export function compilePattern(pattern: string): CompiledPattern {
  if (!GLOB_CHARS.test(pattern)) return compileLiteral(pattern);
  const hit = young.get(pattern);
  if (hit) return hit;
  const aged = old.get(pattern);
  if (aged) {
    remember(pattern, aged);
    return aged;
  }
  const segments = pattern.split('/');
  const firstGlob = segments.findIndex((s) => GLOB_CHARS.test(s));
  const base = segments.slice(0, firstGlob);
  const regex = picomatch.makeRe(pattern, MATCH_OPTIONS);
  const compiled: CompiledPattern = {
    pattern,
    literal: false,
    alternatives: parseAlternatives(pattern),
    base,
    prefixes: base.map((_, i) => base.slice(0, i).join('/')).concat(base.join('/')),
    matches: (path) => regex.test(path),
  };
  remember(pattern, compiled);
  return compiled;
}

function compileLiteral(pattern: string): CompiledPattern {
  const base = pattern.split('/');
  const prefixes = [''];
  let prefix = '';
  for (const segment of base) prefixes.push((prefix = prefixes.length === 1 ? segment : `${prefix}/${segment}`));
  return { pattern, literal: true, alternatives: [], base, prefixes, matches: (path) => path === pattern };
}

function remember(pattern: string, compiled: CompiledPattern): void {
  if (young.size >= CACHE_MAX) {
    old = young;
    young = new Map();
  }
  young.set(pattern, compiled);
}

/** Expands simple braces and parses each alternative; null when the pattern is opaque. */
function parseAlternatives(pattern: string): Segment[][] | null {
  if (OPAQUE_CHARS.test(pattern)) return null;
  const expanded = expandBraces(pattern);
  if (expanded === null) return null;
  const out: Segment[][] = [];
  for (const alternative of expanded) {
    const segments: Segment[] = [];
    for (const raw of alternative.split('/')) {
      // An alternative may bring empty segments (`{a,}/x`): picomatch then needs a literal `//`,
      // which no normalised path has; modelled as an empty literal segment (never matches a path segment).
      if (raw === '**') {
        if (segments[segments.length - 1] !== 'globstar') segments.push('globstar');
        continue;
      }
      const chars = parseSegment(raw);
      if (chars === null) return null;
      segments.push(chars);
    }
    out.push(segments);
  }
  return out;
}

/** `{a,b}` groups (not nested, each with a comma), up to MAX_ALTERNATIVES; null otherwise. */
function expandBraces(pattern: string): string[] | null {
  const open = pattern.indexOf('{');
  const close = pattern.indexOf('}');
  if (open === -1 && close === -1) return [pattern];
  if (open === -1 || close < open) return null;
  const body = pattern.slice(open + 1, close);
  if (body.includes('{') || !body.includes(',') || body.includes('..')) return null;
  const rest = expandBraces(pattern.slice(close + 1));
  if (rest === null) return null;
  const out: string[] = [];
  for (const option of body.split(',')) {
    for (const tail of rest) {
      out.push(pattern.slice(0, open) + option + tail);
      if (out.length > MAX_ALTERNATIVES) return null;
    }
  }
  return out;
}

/** A segment's characters: `*` runs are one star, `?` and a class are one character; null if opaque. */
function parseSegment(segment: string): Char[] | null {
  const out: Char[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') {
      if (out[out.length - 1]?.kind !== 'star') out.push({ kind: 'star' });
    } else if (c === '?') out.push({ kind: 'one' });
    else if (c === '[') {
      // A class is one character; empty or nested ones (`[]`, `[[:alpha:]]`) make the pattern opaque.
      const end = segment.indexOf(']', i + 1);
      if (end <= i + 1 || segment.slice(i + 1, end).includes('[')) return null;
      out.push({ kind: 'one' });
      i = end;
    } else if (c === ']' || c === '{' || c === '}') return null;
    else out.push({ kind: 'lit', c });
  }
  return out;
}

/** Whether one list of segments starts with the other. */
function prefixCompatible(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Could some path match both patterns? Never false when one does (see the file comment). */
export function patternsOverlap(a: string | CompiledPattern, b: string | CompiledPattern): boolean {
  const x = typeof a === 'string' ? compilePattern(a) : a;
  const y = typeof b === 'string' ? compilePattern(b) : b;
  if (x.pattern === y.pattern) return true;
  if (x.literal) return y.matches(x.pattern);
  if (y.literal) return x.matches(y.pattern);
  if (!prefixCompatible(x.base, y.base)) return false;
  if (x.alternatives === null || y.alternatives === null) return true;
  for (const p of x.alternatives) for (const q of y.alternatives) if (segmentsIntersect(p, q)) return true;
  return false;
}

/** Some list of path segments matched by both segment lists (`**` = any number of segments). */
function segmentsIntersect(p: readonly Segment[], q: readonly Segment[]): boolean {
  const seen = new Set<number>();
  const width = q.length + 1;
  const visit = (i: number, j: number): boolean => {
    const key = i * width + j;
    if (seen.has(key)) return false;
    seen.add(key);
    if (i === p.length && j === q.length) return true;
    const a = p[i];
    const b = q[j];
    if (a === 'globstar') {
      // Matches nothing more, or also the next segment of the other side.
      if (visit(i + 1, j)) return true;
      if (b !== undefined && visit(i, j + 1)) return true;
      return false;
    }
    if (b === 'globstar') return visit(i, j + 1) || (a !== undefined && visit(i + 1, j));
    if (a === undefined || b === undefined) return false;
    return charsIntersect(a, b) && visit(i + 1, j + 1);
  };
  return visit(0, 0);
}

/** Some non-empty segment text matched by both (one path segment is never empty). */
function charsIntersect(p: readonly Char[], q: readonly Char[]): boolean {
  const seen = new Set<number>();
  const width = q.length + 1;
  // `consumed`: at least one character taken (segments are non-empty).
  const visit = (i: number, j: number, consumed: boolean): boolean => {
    const key = (i * width + j) * 2 + (consumed ? 1 : 0);
    if (seen.has(key)) return false;
    seen.add(key);
    if (i === p.length && j === q.length) return consumed;
    const a = p[i];
    const b = q[j];
    if (a?.kind === 'star') {
      // The star matches nothing more, or takes one character the other side takes too.
      if (visit(i + 1, j, consumed)) return true;
      if (b === undefined) return false;
      if (b.kind === 'star') return visit(i, j + 1, consumed) || visit(i, j, true);
      return visit(i, j + 1, true);
    }
    if (b?.kind === 'star') {
      if (visit(i, j + 1, consumed)) return true;
      if (a === undefined) return false;
      return visit(i + 1, j, true);
    }
    if (a === undefined || b === undefined) return false;
    if (a.kind === 'lit' && b.kind === 'lit' && a.c !== b.c) return false;
    return visit(i + 1, j + 1, true);
  };
  return visit(0, 0, false);
}
