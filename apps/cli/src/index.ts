// task-coordinator-cli as a library: run a tcx command line with given io (tests, embedding).
export { buildProgram, run, VERSION } from './program.js';
export { EXIT, exitCodeOf, REMEDIES } from './exit-codes.js';
export { primeText } from './commands/prime.js';
export type { Io } from './context.js';
