// `npm run dev`: the server from its TypeScript sources (restarted when they change) on ./dev.db,
// and the dashboard's Vite dev server with hot reload, proxying the API and Socket.IO to it.
// Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = process.env.PORT ?? '3335';
const children = [];

function run(name, command, args, options = {}) {
  const child = spawn(command, args, {
    cwd: root,
    stdio: 'inherit',
    ...options,
    env: { ...process.env, ...options.env },
  });
  child.on('exit', (code, signal) => {
    console.error(`[dev] ${name} exited (${signal ?? code}); stopping the rest`);
    stop(code ?? 1);
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.pid) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run('server', process.execPath, [
  '--conditions=@task-coordinator/source',
  '--import',
  'tsx',
  '--watch-path=apps/server/src',
  '--watch-path=packages',
  'apps/server/src/cli.ts',
  '--port',
  port,
  '--dashboard-port',
  '0',
  '--db',
  process.env.TC_DB ?? join(root, 'dev.db'),
]);
run('dashboard', process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), '--host', '127.0.0.1'], {
  cwd: join(root, 'apps', 'dashboard'),
  env: { TC_API_URL: `http://127.0.0.1:${port}` },
});
