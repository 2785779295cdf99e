// Where this client was installed from: a clone (a workspace folder) or npm (inside node_modules).
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built client's absolute path when this package runs from a clone of the repository, else null
 * (installed from npm, under some node_modules: then `npx -y task-coordinator-mcp` is the way to start it).
 */
export function localClientPath(here: string = fileURLToPath(import.meta.url)): string | null {
  let real: string;
  try {
    real = realpathSync(here);
  } catch {
    real = here;
  }
  if (real.split(sep).includes('node_modules')) return null;
  const root = dirname(dirname(real)); // <package>/dist/install.js or <package>/src/install.ts
  if (!existsSync(join(root, 'package.json'))) return null;
  return join(root, 'dist', 'cli.js');
}
