// task-coordinator-mcp as a library: the HTTP backend of the tools, the stdio runner, setup text.
export { HttpBackend, type HttpBackendOptions } from './http-backend.js';
export { runStdio, type StdioOptions } from './stdio.js';
export { configText } from './config-command.js';
export { defaultWorkerId } from './worker-id.js';
