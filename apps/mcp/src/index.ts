// task-coordinator-mcp as a library: the HTTP backend of the tools, the stdio runner, setup text.
export { HttpBackend, type HttpBackendOptions } from './http-backend.js';
export { runStdio, type StdioOptions } from './stdio.js';
export { configText } from './config-command.js';
export { defaultWorkerId } from './worker-id.js';
export { localClientPath } from './install.js';
export { runGuard, repoRoot, type GuardIo } from './guard-command.js';
export * from './guard.js';
export { hooksText, claudeHookSettings, preCommitScript, guardCommand } from './hooks-config.js';
