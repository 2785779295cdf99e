#!/usr/bin/env node
// The plugin's one launcher: `run.mjs mcp` starts the MCP client (`run.mjs mcp guard`: the reservation guard hook),
// `run.mjs cli …` runs tcx. From a local clone when
// the client_dir option (TASK_COORDINATOR_CLIENT_DIR) names one, else from npm: npx -y task-coordinator-mcp / -p task-coordinator-cli tcx.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const [what, ...args] = process.argv.slice(2);
if (what !== 'mcp' && what !== 'cli') {
  process.stderr.write('usage: run.mjs mcp | run.mjs cli <tcx arguments>\n');
  process.exit(2);
}

// Hooks see the plugin's options as CLAUDE_PLUGIN_OPTION_<KEY>; the MCP entry passes them as TASK_COORDINATOR_*.
const env = { ...process.env };
const OPTIONS = {
  SERVER_URL: 'TASK_COORDINATOR_URL',
  TOKEN: 'TASK_COORDINATOR_TOKEN',
  PROJECT: 'TASK_COORDINATOR_PROJECT',
  CLIENT_DIR: 'TASK_COORDINATOR_CLIENT_DIR',
};
for (const [option, variable] of Object.entries(OPTIONS)) {
  const value = env[`CLAUDE_PLUGIN_OPTION_${option}`];
  if (!env[variable]?.trim() && value?.trim()) env[variable] = value.trim();
}
for (const variable of Object.values(OPTIONS)) if (!env[variable]?.trim()) delete env[variable];

// One worker id for the MCP client and the hooks: both derive it from Claude Code's pid (CLAUDE_PID). Claude Code
// gives it to hooks; this launcher's parent is Claude Code itself when it starts the MCP server.
if (what === 'mcp' && !env.CLAUDE_PID) env.CLAUDE_PID = String(process.ppid);

const dir = env.TASK_COORDINATOR_CLIENT_DIR;
let command;
let argv;
if (dir) {
  const script = join(dir, what === 'mcp' ? 'apps/mcp/dist/cli.js' : 'apps/cli/dist/cli.js');
  if (!existsSync(script)) {
    process.stderr.write(
      `task-coordinator plugin: ${script} does not exist: run "npm install && npm run build" in ${dir}\n`,
    );
    process.exit(what === 'mcp' && args[0] !== 'guard' ? 1 : 0); // a hook never blocks the session over this
  }
  command = process.execPath;
  argv = [script, ...args];
} else {
  command = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  argv =
    what === 'mcp' ? ['-y', 'task-coordinator-mcp', ...args] : ['-y', '-p', 'task-coordinator-cli', 'tcx', ...args];
}

const child = spawn(command, argv, { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  process.stderr.write(`task-coordinator plugin: cannot start ${command}: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
