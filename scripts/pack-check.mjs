// pack:check: the published packages work outside the repository.
// Packs core, the two stores, mcp-tools, the server and the MCP client; installs the tarballs into an
// empty folder; runs `npx task-coordinator-server` (health answers) and `npx task-coordinator-mcp`
// (an MCP client lists its tools over stdio against that server). Exits non-zero on any failure.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const PACKAGES = [
  'packages/core',
  'packages/store-sqlite',
  'packages/store-postgres',
  'packages/mcp-tools',
  'apps/server',
  'apps/mcp',
  'apps/cli',
];
const work = mkdtempSync(join(tmpdir(), 'tc-pack-check-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'project');
const children = [];
const step = (message) => process.stdout.write(`pack:check: ${message}\n`);
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

try {
  execFileSync('mkdir', ['-p', tarballs, project]);
  step('building');
  run('npm', ['run', 'build', '--silent'], root);
  for (const pkg of PACKAGES) run('npm', ['pack', '--silent', '--pack-destination', tarballs], join(root, pkg));
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  step(`packed ${files.map((f) => f.split('/').pop()).join(', ')}`);

  // An empty project outside the repository. better-sqlite3 builds from source here, so its install script is allowed.
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      { name: 'pack-check', private: true, type: 'module', allowScripts: { 'better-sqlite3': true } },
      null,
      2,
    ),
  );
  step('installing the tarballs into an empty folder (compiles better-sqlite3)');
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], project);

  const version = run('npx', ['--no-install', 'task-coordinator-server', '--version'], project).trim();
  step(`npx task-coordinator-server --version → ${version}`);
  step(
    `npx task-coordinator-mcp --version → ${run('npx', ['--no-install', 'task-coordinator-mcp', '--version'], project).trim()}`,
  );
  step(`npx tcx --version → ${run('npx', ['--no-install', 'tcx', '--version'], project).trim()}`);
  // Installed from npm, the connect line runs the package with npx (from a clone it is the built client's path).
  const config = run('npx', ['--no-install', 'task-coordinator-mcp', 'config'], project);
  if (!config.includes('-- npx -y task-coordinator-mcp\n') || config.includes('dist/cli.js'))
    throw new Error(`config from npm should print npx -y task-coordinator-mcp:\n${config}`);
  step('npx task-coordinator-mcp config → the npx line');

  // --dashboard-port 0 means "off", so take a free port for it.
  const dashboardPort = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const server = spawn(
    'npx',
    [
      '--no-install',
      'task-coordinator-server',
      '--port',
      '0',
      '--dashboard-port',
      String(dashboardPort),
      '--db',
      join(work, 'board.db'),
    ],
    {
      cwd: project,
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    },
  );
  children.push(server);
  let bannerText = '';
  const apiUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /API\s+(http:\/\/[^/\s]+)\/api\/v1/.exec(out);
      if (match && out.includes('Ctrl-C stops it')) {
        bannerText = out;
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  if (!/-- npx -y task-coordinator-mcp\n/.test(bannerText))
    throw new Error(`the banner of an npm install should print the npx line:\n${bannerText}`);
  const health = await (await fetch(`${apiUrl}/api/health`)).json();
  if (health.status !== 'ok') throw new Error(`health: ${JSON.stringify(health)}`);
  step(`server answers at ${apiUrl}: ${JSON.stringify(health)}`);

  // The dashboard ships inside the server package: its page and its script load from the tarball.
  const dashboard = `http://127.0.0.1:${dashboardPort}`;
  const page = await (await fetch(`${dashboard}/`)).text();
  const script = /<script type="module" crossorigin src="([^"]+)"/.exec(page)?.[1];
  if (!page.includes('<div id="root">') || !script) throw new Error(`dashboard page: ${page.slice(0, 200)}`);
  const asset = await fetch(`${dashboard}${script}`);
  if (asset.status !== 200 || !/javascript/.test(asset.headers.get('content-type') ?? ''))
    throw new Error(`dashboard script ${script}: ${asset.status}`);
  step(`dashboard served from the package at ${dashboard} (${script})`);

  // An MCP client from the installed SDK, driving the installed task-coordinator-mcp over stdio.
  writeFileSync(
    join(project, 'mcp-smoke.mjs'),
    `import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
const transport = new StdioClientTransport({ command: 'npx', args: ['--no-install', 'task-coordinator-mcp'], env: { ...process.env, TASK_COORDINATOR_URL: process.argv[2], TASK_COORDINATOR_WORKER_ID: 'pack-check' } });
const client = new Client({ name: 'pack-check', version: '1.0.0' });
await client.connect(transport);
const { tools } = await client.listTools();
await client.callTool({ name: 'add_task', arguments: { id: 'packed', description: 'from the tarballs' } });
const claim = await client.callTool({ name: 'claim_next_task', arguments: {} });
if (claim.structuredContent?.task?.id !== 'packed') throw new Error('claim failed: ' + JSON.stringify(claim));
console.log(tools.length + ' tools; claimed ' + claim.structuredContent.task.id);
await client.close();
`,
  );
  step(`npx task-coordinator-mcp over stdio → ${run('node', ['mcp-smoke.mjs', apiUrl], project).trim()}`);

  // The reservation guard from the tarball: another worker's edit of a file pack-check reserved is refused.
  // (The smoke client gave its claim back when it closed: claim again.)
  const post = (path, body) =>
    fetch(`${apiUrl}/api/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await post('/claim-next', { workerId: 'pack-check' });
  const reserved = await post('/tasks/packed/reservations', { workerId: 'pack-check', patterns: ['src/**'] });
  if (reserved.status !== 200) throw new Error(`reserve: ${reserved.status} ${await reserved.text()}`);
  const decision = execFileSync('npx', ['--no-install', 'task-coordinator-mcp', 'guard'], {
    cwd: project,
    input: JSON.stringify({ tool_name: 'Edit', tool_input: { file_path: join(project, 'src', 'a.ts') }, cwd: project }),
    env: {
      ...process.env,
      TASK_COORDINATOR_URL: apiUrl,
      TASK_COORDINATOR_WORKER_ID: 'other',
      TASK_COORDINATOR_ROOT: project,
    },
    encoding: 'utf8',
  });
  if (!decision.includes('"permissionDecision":"deny"') || !decision.includes('held by pack-check'))
    throw new Error(`guard should deny: ${decision}`);
  step('npx task-coordinator-mcp guard → deny (held by pack-check)');
  step('ok');
} catch (error) {
  process.stderr.write(`pack:check failed: ${error.stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  rmSync(work, { recursive: true, force: true });
}
