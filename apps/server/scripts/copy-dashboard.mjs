// Copies the built dashboard into public/, so the published server package serves it on its own.
// In this repository the server also finds ../dashboard/dist directly; public/ is for the tarball.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, '..', 'dashboard', 'dist');
const target = join(root, 'public');
rmSync(target, { recursive: true, force: true });
if (existsSync(join(built, 'index.html'))) {
  cpSync(built, target, { recursive: true, filter: (source) => !source.endsWith('.map') });
} else {
  process.stderr.write('copy-dashboard: apps/dashboard/dist is not built; the server will run without its dashboard\n');
}
