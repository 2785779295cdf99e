#!/usr/bin/env node
// task-coordinator-mcp: the stdio MCP server (default), or `config` to print setup lines.
import { createRequire } from 'node:module';
import { configText } from './config-command.js';
import { runStdio } from './stdio.js';
import { defaultWorkerId } from './worker-id.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const HELP = `Usage: task-coordinator-mcp [config] [--help] [--version]

Runs a stdio MCP server an AI agent uses to work on a shared Task Coordinator board.
It is a thin client of task-coordinator-server, which must be running.

Commands:
  (none)    serve MCP over stdio (what your MCP client runs)
  config    print ready-to-paste setup for Claude Code and other MCP clients

Environment:
  TASK_COORDINATOR_URL        the server (default http://localhost:3335)
  TASK_COORDINATOR_TOKEN      the server's token, when it has one
  TASK_COORDINATOR_WORKER_ID  this agent's worker id (default: host-project-parentpid)
  TASK_COORDINATOR_PROJECT    the board's project (default "default")
  TASK_COORDINATOR_PROGRESS_MS  how often a waiting claim_next_task reports progress
                              (default 5000)
`;

const args = process.argv.slice(2);
const url = process.env.TASK_COORDINATOR_URL?.trim() || 'http://localhost:3335';
const token = process.env.TASK_COORDINATOR_TOKEN?.trim() || null;

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
} else if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(`${version}\n`);
} else if (args[0] === 'config') {
  const urlFlag = args.indexOf('--url');
  process.stdout.write(configText({ url: urlFlag !== -1 && args[urlFlag + 1] ? (args[urlFlag + 1] as string) : url, token }));
} else if (args.length > 0) {
  process.stderr.write(`task-coordinator-mcp: unknown argument "${args[0]}" (see --help)\n`);
  process.exit(2);
} else {
  runStdio({
    url,
    token,
    workerId: defaultWorkerId(),
    project: process.env.TASK_COORDINATOR_PROJECT?.trim() || 'default',
    version,
    ...(process.env.TASK_COORDINATOR_PROGRESS_MS ? { progressIntervalMs: Number(process.env.TASK_COORDINATOR_PROGRESS_MS) } : {}),
  }).catch((error: unknown) => {
    process.stderr.write(`task-coordinator-mcp: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
