// ESLint rule: no module may reach itself through its relative imports, `import type` included.
//
// eslint-plugin-import-x's no-cycle skips type-only imports, and the cycles this repository had
// (http/v1-handler → routes/v1 → ops/metrics → http/v1-handler; core's store → board-transfer →
// schemas-output → store) each ran through one. A type cycle still ties modules into one unit
// that cannot be understood, split or moved apart, so this rule counts every import and export.
// Imports are read with TypeScript's own pre-processor (no full parse of the files followed).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** file → { mtimeMs, deps } for every file read in this process. */
const graph = new Map();

function resolve(from, specifier) {
  const base = path.resolve(path.dirname(from), specifier);
  const stem = base.replace(/\.(m?js|jsx)$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, base, `${base}/index.ts`, `${base}/index.tsx`]) {
    try {
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

/** The files `file` imports or re-exports by relative path (null when unreadable). */
function depsOf(file) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    return [];
  }
  const known = graph.get(file);
  if (known && known.mtimeMs === stat.mtimeMs) return known.deps;
  const text = fs.readFileSync(file, 'utf8');
  const deps = [];
  for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const target = resolve(file, fileName);
    if (target) deps.push({ specifier: fileName, target });
  }
  graph.set(file, { mtimeMs: stat.mtimeMs, deps });
  return deps;
}

/** A path of files from `start` back to `goal`, or null (depth-first, each file visited once). */
function pathBack(start, goal) {
  const seen = new Set();
  const stack = [[start, [start]]];
  while (stack.length) {
    const [file, route] = stack.pop();
    if (file === goal) return route;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { target } of depsOf(file)) if (!seen.has(target)) stack.push([target, [...route, target]]);
  }
  return null;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow import cycles between modules, type-only imports included' },
    schema: [],
    messages: { cycle: 'import cycle: {{route}}' },
  },
  create(context) {
    const file = context.physicalFilename;
    const check = (node) => {
      const specifier = node.source?.value;
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const target = resolve(file, specifier);
      if (!target) return;
      const route = pathBack(target, file);
      if (!route) return;
      const root = context.cwd ?? process.cwd();
      context.report({
        node,
        messageId: 'cycle',
        data: { route: [file, ...route].map((f) => path.relative(root, f)).join(' → ') },
      });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};
