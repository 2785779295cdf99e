// After a build: every workspace bin is executable (mode 755; tsc writes 644) and linked in node_modules/.bin,
// which npm install skipped because dist/ did not exist yet. So in a fresh clone, after `npm install && npm start`
// (or `npm run build`), `npx task-coordinator-mcp config` and `npx tcx` find their bins.
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, 'node_modules', '.bin');
const { workspaces = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const linked = [];

for (const pattern of workspaces) {
  const parent = join(root, pattern.replace(/\/\*$/, ''));
  if (!existsSync(parent)) continue;
  for (const name of readdirSync(parent)) {
    const manifest = join(parent, name, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    const bins = typeof pkg.bin === 'string' ? { [pkg.name.split('/').pop()]: pkg.bin } : (pkg.bin ?? {});
    for (const [bin, target] of Object.entries(bins)) {
      const file = join(parent, name, target);
      if (!existsSync(file)) continue; // not built: nothing to link yet
      chmodSync(file, 0o755);
      mkdirSync(binDir, { recursive: true });
      // npm's own layout: .bin/<bin> → ../<package>/<target>, through the workspace link in node_modules.
      const via = join(root, 'node_modules', pkg.name, target);
      const link = join(binDir, bin);
      const to = relative(binDir, existsSync(via) ? via : file);
      let current = null;
      try {
        current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : '';
      } catch {
        // no link yet
      }
      if (current !== to) {
        if (current !== null) unlinkSync(link);
        symlinkSync(to, link);
      }
      linked.push(bin);
    }
  }
}
if (process.argv.includes('--verbose')) process.stdout.write(`bins: ${linked.join(', ')}\n`);
