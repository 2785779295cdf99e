// File patterns: normalisation, validation, the overlap checker's precision and its soundness property.
import { describe, expect, it } from 'vitest';
import { normalisePattern, patternProblem, patternsOverlap } from '../src/index.js';
import { createMemoryStore } from '../src/index.js';
import { describeOverlapProperty, describeReservationProperty } from '../src/testing/index.js';

describeOverlapProperty(5000);
describeReservationProperty({ name: 'memory', create: (options) => createMemoryStore(options), runs: 200 });

describe('patterns', () => {
  it('normalises ./, backslashes, duplicate slashes and a trailing slash', () => {
    expect(normalisePattern('./src//auth/')).toBe('src/auth/**');
    expect(normalisePattern('src\\auth\\login.ts')).toBe('src/auth/login.ts');
    expect(normalisePattern('././a/./b')).toBe('a/b');
  });

  it('refuses empty, absolute, escaping and negated patterns', () => {
    for (const bad of ['', ' ', '/etc', '\\x', 'C:\\x', 'c:x', '..', 'a/../b', '..\\x', '!src/**', 'a\u0001'])
      expect(patternProblem(bad), bad).not.toBeNull();
    for (const good of ['src/**', 'a..b', '.env', '{a,b}/*.ts', 'src/[ab].ts']) expect(patternProblem(good)).toBeNull();
    expect(patternProblem('a'.repeat(513))).toMatch(/512/);
  });
});

describe('overlap: exact where it can be', () => {
  const cases: Array<[string, string, boolean]> = [
    ['src/auth/**', 'src/auth/login.ts', true],
    ['src/auth/**', 'src/auth', true],
    ['src/**', 'lib/**', false],
    ['src/*.ts', 'src/*.md', false],
    ['src/*.ts', 'src/a*', true],
    ['src/*/x.ts', 'src/a/b/x.ts', false],
    ['src/**/x.ts', 'src/a/b/x.ts', true],
    ['**/*.md', 'docs/**', true],
    ['{src,lib}/a.ts', 'lib/*', true],
    ['{src,lib}/a.ts', 'test/*', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['x/*', 'x', false],
    ['*', '.env', true],
  ];
  for (const [a, b, expected] of cases)
    it(`${a} vs ${b}: ${expected}`, () => {
      expect(patternsOverlap(a, b)).toBe(expected);
      expect(patternsOverlap(b, a)).toBe(expected);
    });

  it('is conservative (overlap) for extglobs under a common prefix, exact across prefixes', () => {
    expect(patternsOverlap('src/@(a|b).ts', 'src/c.ts')).toBe(false);
    expect(patternsOverlap('src/@(a|b).ts', 'src/*.md')).toBe(true);
    expect(patternsOverlap('src/@(a|b).ts', 'lib/*.ts')).toBe(false);
  });
});
