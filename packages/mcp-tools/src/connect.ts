// The line that connects Claude Code to the coordinator over stdio, written once for the server's banner and
// `task-coordinator-mcp config`: the built client's absolute path from a clone, `npx -y task-coordinator-mcp` from npm.

/** How an MCP client starts task-coordinator-mcp. */
export interface StdioLaunch {
  command: string;
  args: string[];
}

/**
 * `client` is the absolute path of the built client (`apps/mcp/dist/cli.js`) when the coordinator runs
 * from a clone: the package is not on npm under that name from a clone's point of view, so npx would
 * fetch (or fail to find) something else. Installed from npm, `client` is null and npx runs the package.
 */
export function stdioLaunch(client: string | null): StdioLaunch {
  return client === null
    ? { command: 'npx', args: ['-y', 'task-coordinator-mcp'] }
    : { command: 'node', args: [client] };
}

/** A word as a POSIX shell reads it: quoted only when it must be. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `claude mcp add task-coordinator -e … -- <launch>`: the line a user pastes. */
export function claudeAddLine(options: { url: string; tokenEnv?: string | null; client: string | null }): string {
  const { command, args } = stdioLaunch(options.client);
  const token = options.tokenEnv ? ` -e TASK_COORDINATOR_TOKEN=${options.tokenEnv}` : '';
  return `claude mcp add task-coordinator -e TASK_COORDINATOR_URL=${options.url}${token} -- ${[command, ...args].map(shellWord).join(' ')}`;
}
