// `npm start`: builds quietly, then runs the server, so its banner is the first thing printed.
// turbo's output (about 65 lines of replayed task logs, even on a full cache hit) is kept and shown
// only when the build fails. A build that takes a while (the first start, or after a change) says
// so once on stderr, so nobody stares at a silent terminal. Arguments go to the server:
// `npm start -- --port 4000`.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SLOW_BUILD_NOTICE_MS = 8000;

function build() {
  return new Promise((resolve) => {
    const turbo = spawn(process.execPath, [join(root, 'node_modules', 'turbo', 'bin', 'turbo'), 'run', 'build'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
    });
    const output = [];
    turbo.stdout.on('data', (chunk) => output.push(chunk));
    turbo.stderr.on('data', (chunk) => output.push(chunk));
    const notice = setTimeout(
      () => process.stderr.write('Building Task Coordinator (about a minute on the first start)…\n'),
      SLOW_BUILD_NOTICE_MS,
    );
    turbo.on('error', (error) => {
      clearTimeout(notice);
      resolve({ code: 1, output: `cannot run turbo: ${error.message}\n` });
    });
    turbo.on('exit', (code, signal) => {
      clearTimeout(notice);
      resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(output).toString('utf8') });
    });
  });
}

const built = await build();
if (built.code !== 0) {
  process.stderr.write(built.output);
  process.stderr.write(`\nnpm start: the build failed (exit ${built.code}); its output is above.\n`);
  process.exit(built.code);
}

const server = spawn(process.execPath, [join(root, 'apps', 'server', 'dist', 'cli.js'), ...process.argv.slice(2)], {
  cwd: process.cwd(),
  stdio: 'inherit',
});
// Ctrl-C reaches the server from the terminal; a signal sent to this process alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(signal, () => {
    if (server.exitCode === null) server.kill(signal);
  });
server.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
