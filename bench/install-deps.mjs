// The benchmarks' own dependencies (the queues we compare against) live in bench/package.json, out of
// the default install. `npm run bench` runs this first: it installs them with
// `npm install --prefix bench` when any is missing, and does nothing otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { dependencies = {} } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const missing = Object.keys(dependencies).filter(
  (name) => !existsSync(join(here, 'node_modules', name, 'package.json')),
);
if (missing.length) {
  console.log(`installing the benchmarks' dependencies (${missing.join(', ')}) into bench/node_modules`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['install', '--prefix', here, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
