// `task-coordinator-mcp config --hooks`: the reservation guard's setup, a Claude Code settings.json hooks block and a
// git pre-commit hook script.
import { shellWord, stdioLaunch } from '@task-coordinator/mcp-tools';
import { GUARD_MATCHER } from './guard.js';

export interface HooksLines {
  url: string;
  token: string | null;
  /** The built client's absolute path when running from a clone; null when installed from npm. */
  client?: string | null;
}

/** The guard's command line: `npx -y task-coordinator-mcp guard` or `node <clone>/apps/mcp/dist/cli.js guard`. */
export function guardCommand(client: string | null, ...flags: string[]): string {
  const { command, args } = stdioLaunch(client);
  return [command, ...args, 'guard', ...flags].map(shellWord).join(' ');
}

/** The settings.json fragment: the PreToolUse guard on every file edit, and where the server is. */
export function claudeHookSettings({ url, token, client = null }: HooksLines): Record<string, unknown> {
  return {
    env: {
      TASK_COORDINATOR_URL: url.replace(/\/+$/, ''),
      ...(token ? { TASK_COORDINATOR_TOKEN: token } : {}),
    },
    hooks: {
      PreToolUse: [
        {
          matcher: GUARD_MATCHER,
          hooks: [{ type: 'command', command: guardCommand(client), timeout: 30 }],
        },
      ],
    },
  };
}

/** .git/hooks/pre-commit: the same check on the staged files; a conflict stops the commit. */
export function preCommitScript({ url, token, client = null }: HooksLines): string {
  const base = url.replace(/\/+$/, '');
  return [
    '#!/bin/sh',
    '# Task Coordinator: refuse a commit of files another agent holds (reserved, or declared by a task it works on).',
    '# Set TASK_COORDINATOR_WORKER_ID to the worker you claim as, so your own reservations do not stop you.',
    `export TASK_COORDINATOR_URL="\${TASK_COORDINATOR_URL:-${base}}"`,
    ...(token ? [`export TASK_COORDINATOR_TOKEN="\${TASK_COORDINATOR_TOKEN:-${token}}"`] : []),
    `exec ${guardCommand(client, '--git-pre-commit')}`,
    '',
  ].join('\n');
}

export function hooksText(lines: HooksLines): string {
  return [
    '# Claude Code: merge into .claude/settings.json (or ~/.claude/settings.json). Before every Edit, Write, MultiEdit',
    '# and NotebookEdit the guard asks the server whether another agent holds the file, and refuses the edit if so.',
    '# The server unreachable: the edit goes through with a warning; add --fail-closed (or set',
    '# TASK_COORDINATOR_GUARD=closed) to refuse instead. The plugin (plugins/task-coordinator) brings this hook too.',
    JSON.stringify(claudeHookSettings(lines), null, 2),
    '',
    '# git: save as .git/hooks/pre-commit and chmod +x it. A staged file another worker holds stops the commit.',
    preCommitScript(lines),
  ].join('\n');
}
