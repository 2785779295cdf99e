// npm run test:saturated: the test suite while every core is kept busy by CPU burners this script
// starts and stops, to show no test depends on timing. Arguments after `--` go to vitest (e.g. a
// path to run one package); `--rounds N` repeats the run (default 1); `--burners N` overrides the
// number of burners (default: one per core). Exits with vitest's status (the first failing round).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const args = process.argv.slice(2);
const take = (flag, fallback) => {
  const i = args.indexOf(flag);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  args.splice(i, 2);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} takes a whole number`);
  return value;
};
const rounds = take('--rounds', 1);
const burnerCount = take('--burners', availableParallelism());

// A burner is a separate process spinning on arithmetic until it is told to stop.
const BURN = 'let x = 0; for (;;) { for (let i = 0; i < 1e7; i++) x = (x * 31 + i) % 1000003; }';
const burners = [];
const stopBurners = () => {
  for (const child of burners.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
};
process.on('exit', stopBurners);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopBurners();
    process.exit(130);
  });
}
for (let i = 0; i < burnerCount; i++) burners.push(spawn(process.execPath, ['-e', BURN], { stdio: 'ignore' }));
console.log(`test:saturated: ${burnerCount} CPU burner(s) running (pids ${burners.map((b) => b.pid).join(', ')})`);

let status = 0;
for (let round = 1; round <= rounds && status === 0; round++) {
  console.log(`test:saturated: round ${round} of ${rounds}: vitest run ${args.join(' ')}`);
  status = await new Promise((resolve) => {
    const vitest = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...args], { stdio: 'inherit' });
    vitest.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  console.log(`test:saturated: round ${round}: ${status === 0 ? 'green' : `failed (exit ${status})`}`);
}
stopBurners();
process.exit(status);
