#!/usr/bin/env node
// task-coordinator-server: parse flags, start, print where everything listens, shut down gracefully.
import { DomainError } from '@task-coordinator/core';
import { claudeAddLine } from '@task-coordinator/mcp-tools';
import { localMcpClient } from './connect-line.js';
import { ConfigError, HELP, parseConfig } from './config.js';
import { describeError, OPS_HELP, OpsError, runOpsCommand } from './ops-cli.js';
import { startServer, StartupError, VERSION } from './server.js';

/** A connection string without its password, for printing. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

function fail(message: string, code: number): never {
  process.stderr.write(`task-coordinator-server: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  try {
    const io = {
      out: (text: string) => process.stdout.write(text),
      env: process.env,
      progress: process.stderr.isTTY ? process.stderr : null,
    };
    if (await runOpsCommand(process.argv.slice(2), io)) return;
  } catch (error) {
    if (error instanceof OpsError) fail(error.message, 2);
    if (error instanceof DomainError) fail(describeError(error), 1);
    throw error;
  }
  let command;
  try {
    command = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    throw error;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${HELP}\n${OPS_HELP}`);
    return;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const { config } = command;
  let server;
  try {
    server = await startServer(config, { processMetrics: true });
  } catch (error) {
    if (error instanceof StartupError) fail(error.message, 1);
    throw error;
  }

  const tokens = (config.token === null ? 0 : 1) + config.tokens.length;
  const tokenHeader = tokens > 0 ? ' --header "Authorization: Bearer $TC_TOKEN"' : '';
  const lines = [
    `Task Coordinator ${VERSION}: ${config.databaseUrl ? `PostgreSQL store ${redact(config.databaseUrl)}` : `SQLite store ${config.db}`} (${config.slots} slots, lease ${config.leaseTtlMs / 1000}s)${tokens === 0 ? '' : tokens === 1 ? ', token required' : `, ${tokens} tokens accepted`}${config.rateLimit ? `, ${config.rateLimit.perSecond} requests/s per client` : ''}`,
    `  API        ${server.apiUrl}/api/v1   (OpenAPI: ${server.apiUrl}/api/openapi.json)`,
    server.dashboardUrl ? `  Dashboard  ${server.dashboardUrl}` : '  Dashboard  off',
    `  MCP        ${server.mcpUrl}   (Streamable HTTP)`,
    `  Live feed  Socket.IO on ${server.apiUrl}`,
    '',
    "Connect a Claude Code agent (run in the agent's project):",
    `  ${claudeAddLine({ url: server.apiUrl, tokenEnv: tokens > 0 ? '$TC_TOKEN' : null, client: localMcpClient() })}`,
    `  or, without a local process: claude mcp add --transport http task-coordinator ${server.mcpUrl} --header "X-Worker-Id: $(hostname)-$(basename $PWD)"${tokenHeader}`,
    '  (X-Worker-Id names the agent, so a reconnecting session keeps its work)',
    '',
    'Ctrl-C stops it: in-flight requests finish and the database is closed cleanly.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`task-coordinator-server: ${signal} again, exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`${signal}: shutting down…\n`);
    server.close().then(
      () => {
        process.stdout.write('stopped\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`task-coordinator-server: shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`task-coordinator-server: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
