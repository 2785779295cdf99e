// `claude mcp add` + `claude mcp list` with the real Claude Code: both transports connect, with and without a token.
import { expect, it } from 'vitest';
import { describeClaude } from '@task-coordinator/test-support/claude-code';
import { agent } from './claude-helpers.js';
import { cli, server } from './helpers.js';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

await describeClaude('claude mcp list', ({ bin }) => {
  it.each([
    ['without a token', undefined],
    ['with --token', 'list-secret'],
  ])('reports the stdio client and /mcp connected, %s', async (_name, token) => {
    const running = await server(token ? { token } : {});
    const harness = await agent(bin, []);
    const stdio = await harness.mcp([
      'add',
      'tc-stdio',
      '-e',
      `TASK_COORDINATOR_URL=${running.apiUrl}`,
      ...(token ? ['-e', `TASK_COORDINATOR_TOKEN=${token}`] : []),
      '--',
      process.execPath,
      '--conditions=@task-coordinator/source',
      '--import',
      tsx,
      cli,
    ]);
    expect(stdio.code, stdio.stderr).toBe(0);
    const http = await harness.mcp([
      'add',
      '--transport',
      'http',
      'tc-http',
      running.mcpUrl,
      '--header',
      'X-Worker-Id: list-agent',
      ...(token ? ['--header', `Authorization: Bearer ${token}`] : []),
    ]);
    expect(http.code, http.stderr).toBe(0);
    const list = await harness.mcp(['list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/tc-stdio: .* - ✔ Connected/);
    expect(list.stdout).toMatch(/tc-http: .*\/mcp \(HTTP\) - ✔ Connected/);
  });

  it('a wrong token is reported as not connected over /mcp', async () => {
    const running = await server({ token: 'right' });
    const harness = await agent(bin, []);
    await harness.mcp([
      'add',
      '--transport',
      'http',
      'tc-http',
      running.mcpUrl,
      '--header',
      'Authorization: Bearer wrong',
    ]);
    const list = await harness.mcp(['list']);
    expect(list.stdout).toMatch(/tc-http: .*\/mcp \(HTTP\) - (✘|!)/);
    expect(list.stdout).not.toMatch(/tc-http: .* - ✔ Connected/);
  });
});
