#!/usr/bin/env node
// task-coordinator-mcp: the stdio MCP server (default), or `config` to print setup lines.
// Each command loads only its own modules: the guard runs before every file edit of an agent, and must not pay for
// the MCP SDK and the tools.
import { createRequire } from 'node:module';
import type { ToolProfile } from '@task-coordinator/mcp-tools';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const HELP = `Usage: task-coordinator-mcp [config [--hooks] | guard [--git-pre-commit]] [--help] [--version]

Runs a stdio MCP server an AI agent uses to work on a shared Task Coordinator board.
It is a thin client of task-coordinator-server, which must be running.

Commands:
  (none)    serve MCP over stdio (what your MCP client runs)
  config    print ready-to-paste setup for Claude Code and other MCP clients
  config --hooks
            print the reservation guard's setup: a Claude Code settings.json hooks
            block and a git pre-commit hook script
  guard     Claude Code PreToolUse hook for Edit, Write, MultiEdit, NotebookEdit: reads
            the hook JSON on stdin and refuses an edit of a file another worker holds
            --fail-closed  refuse edits too when the server cannot be asked
                           (default: allow them, with a warning on stderr)
            --worker ID    check as this worker (default: as the MCP client does)
  guard --git-pre-commit
            the same check on the staged files (git diff --cached); exit 1 on a conflict

Environment:
  TASK_COORDINATOR_URL        the server (default http://localhost:3335)
  TASK_COORDINATOR_TOKEN      the server's token, when it has one
  TASK_COORDINATOR_WORKER_ID  this agent's worker id (default: host-project-parentpid)
  TASK_COORDINATOR_PROJECT    the board's project (default "default")
  TASK_COORDINATOR_TOOLS      which tools to offer: full (default, every tool), core (the
                              workflow in 5 tools), original (the original ten)
  TASK_COORDINATOR_PROGRESS_MS  how often a waiting claim_next_task reports progress
                              (default 5000)
  TASK_COORDINATOR_GUARD      guard: "closed" refuses edits when the server cannot be asked
  TASK_COORDINATOR_ROOT       guard: the repository root paths are relative to (default:
                              the git top level of the session's folder)
`;

const args = process.argv.slice(2);
const url = process.env.TASK_COORDINATOR_URL?.trim() || 'http://localhost:3335';
const token = process.env.TASK_COORDINATOR_TOKEN?.trim() || null;

async function config(): Promise<void> {
  const [{ configText }, { hooksText }, { localClientPath }] = await Promise.all([
    import('./config-command.js'),
    import('./hooks-config.js'),
    import('./install.js'),
  ]);
  const urlFlag = args.indexOf('--url');
  const lines = {
    url: urlFlag !== -1 && args[urlFlag + 1] ? (args[urlFlag + 1] as string) : url,
    token,
    client: localClientPath(),
  };
  process.stdout.write(args.includes('--hooks') ? hooksText(lines) : configText(lines));
}

async function guard(): Promise<void> {
  try {
    const { runGuard } = await import('./guard-command.js');
    process.exitCode = await runGuard({
      args: args.slice(1),
      env: process.env,
      cwd: process.cwd(),
      readStdin: async () => {
        let text = '';
        for await (const chunk of process.stdin) text += String(chunk);
        return text;
      },
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  } catch (error) {
    // A bug in the guard must not block the agent's work: report it and let the edit through.
    process.stderr.write(`task-coordinator guard: ${(error as Error).message}\n`);
    process.exitCode = args.includes('--git-pre-commit') ? 1 : 0;
  }
}

async function serve(): Promise<void> {
  const [{ DEFAULT_PROJECT }, { parseProfile }, { runStdio }, { defaultWorkerId }] = await Promise.all([
    import('@task-coordinator/core'),
    import('@task-coordinator/mcp-tools'),
    import('./stdio.js'),
    import('./worker-id.js'),
  ]);
  let profile: ToolProfile;
  try {
    profile = parseProfile(process.env.TASK_COORDINATOR_TOOLS);
  } catch (error) {
    process.stderr.write(`task-coordinator-mcp: TASK_COORDINATOR_TOOLS: ${(error as Error).message}\n`);
    process.exit(2);
  }
  await runStdio({
    profile,
    url,
    token,
    workerId: defaultWorkerId(),
    project: process.env.TASK_COORDINATOR_PROJECT?.trim() || DEFAULT_PROJECT,
    version,
    ...(process.env.TASK_COORDINATOR_PROGRESS_MS
      ? { progressIntervalMs: Number(process.env.TASK_COORDINATOR_PROGRESS_MS) }
      : {}),
  });
}

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
} else if (args.includes('--version') || args.includes('-v')) {
  process.stdout.write(`${version}\n`);
} else if (args[0] === 'config') {
  await config();
} else if (args[0] === 'guard') {
  await guard();
} else if (args.length > 0) {
  process.stderr.write(`task-coordinator-mcp: unknown argument "${args[0]}" (see --help)\n`);
  process.exit(2);
} else {
  serve().catch((error: unknown) => {
    process.stderr.write(`task-coordinator-mcp: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
