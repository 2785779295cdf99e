// Core stays pure: no module under packages/core/src imports Node built-ins, a database or a server.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
// picomatch (posix entry): the glob matcher of file reservations, pure JavaScript with no I/O.
const ALLOWED = [/^\.\.?\//, /^zod$/, /^picomatch\/posix\.js$/];
/** Only the test kit may import vitest and fast-check, and only it is exported on its own subpath. */
const TESTING_ALLOWED = [...ALLOWED, /^vitest$/, /^fast-check$/];

describe('core layering', () => {
  const files = sources(root);

  it('finds the sources it checks', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  for (const file of files) {
    const name = relative(root, file);
    it(`${name} imports only relative modules, zod and picomatch`, () => {
      const allowed = name.startsWith('testing/') ? TESTING_ALLOWED : ALLOWED;
      const text = readFileSync(file, 'utf8');
      const specifiers = [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? '');
      const bad = specifiers.filter((s) => !allowed.some((pattern) => pattern.test(s)));
      expect(bad).toEqual([]);
    });
  }

  it('nothing outside the test kit imports the test kit', () => {
    for (const file of files.filter((f) => !relative(root, f).startsWith('testing/'))) {
      expect(readFileSync(file, 'utf8'), relative(root, file)).not.toMatch(/from ['"]\.{1,2}\/(?:\.\.\/)*testing\//);
    }
  });
});
