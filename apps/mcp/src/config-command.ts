// `task-coordinator-mcp config`: the setup lines a user pastes (replaces the original update-claude-config.py).
import { claudeAddLine, stdioLaunch } from '@task-coordinator/mcp-tools';

export interface ConfigLines {
  url: string;
  token: string | null;
  /** The built client's absolute path when running from a clone; null when installed from npm. */
  client?: string | null;
}

export function configText({ url, token, client = null }: ConfigLines): string {
  const base = url.replace(/\/+$/, '');
  const env: Record<string, string> = {
    TASK_COORDINATOR_URL: base,
    ...(token ? { TASK_COORDINATOR_TOKEN: token } : {}),
  };
  const json = {
    mcpServers: {
      'task-coordinator': { ...stdioLaunch(client), env },
    },
  };
  const httpJson = {
    mcpServers: {
      'task-coordinator': {
        type: 'http',
        url: `${base}/mcp`,
        headers: { 'X-Worker-Id': 'my-agent', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      },
    },
  };
  return [
    '# Claude Code, stdio: each agent runs its own MCP process (heartbeats, gives work back when it exits).',
    "# Run in the agent's project; the server must be running (npx task-coordinator-server).",
    ...(client
      ? [`# From your clone (${client}); installed from npm, the last part is: npx -y task-coordinator-mcp`]
      : []),
    claudeAddLine({ url: base, tokenEnv: token, client }),
    '',
    "# Claude Code, Streamable HTTP: no local process; the server's /mcp endpoint. Name each agent",
    '# (X-Worker-Id) so a reconnecting session keeps its claims.',
    `claude mcp add --transport http task-coordinator ${base}/mcp --header "X-Worker-Id: $(hostname)-$(basename $PWD)"${token ? ` --header "Authorization: Bearer ${token}"` : ''}`,
    '',
    '# Config files (.mcp.json, claude_desktop_config.json, other MCP clients), stdio:',
    JSON.stringify(json, null, 2),
    '',
    '# …or over HTTP:',
    JSON.stringify(httpJson, null, 2),
    '',
  ].join('\n');
}
