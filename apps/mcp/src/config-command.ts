// `task-coordinator-mcp config`: the setup lines a user pastes (replaces the original update-claude-config.py).
export interface ConfigLines {
  url: string;
  token: string | null;
}

export function configText({ url, token }: ConfigLines): string {
  const base = url.replace(/\/+$/, '');
  const tokenEnv = token ? ` -e TASK_COORDINATOR_TOKEN=${token}` : '';
  const env: Record<string, string> = { TASK_COORDINATOR_URL: base, ...(token ? { TASK_COORDINATOR_TOKEN: token } : {}) };
  const json = {
    mcpServers: {
      'task-coordinator': { command: 'npx', args: ['-y', 'task-coordinator-mcp'], env },
    },
  };
  const httpJson = {
    mcpServers: {
      'task-coordinator': { type: 'http', url: `${base}/mcp`, headers: { 'X-Worker-Id': 'my-agent', ...(token ? { Authorization: `Bearer ${token}` } : {}) } },
    },
  };
  return [
    '# Claude Code, stdio: each agent runs its own MCP process (heartbeats, gives work back when it exits).',
    '# Run in the agent\'s project; the server must be running (npx task-coordinator-server).',
    `claude mcp add task-coordinator -e TASK_COORDINATOR_URL=${base}${tokenEnv} -- npx -y task-coordinator-mcp`,
    '',
    '# Claude Code, Streamable HTTP: no local process; the server\'s /mcp endpoint. Name each agent',
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
