// The dashboard in a real browser against a real server: live updates, the form, actions, the task
// page, the graph, text that stays text, and the token prompt.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { client, startTestServer, type TestServer } from '../../../server/test/helpers.js';
import { hasChromium, dashboardBrowser, screenshot, watchProblems } from './browser.js';

const ui = dashboardBrowser();

async function newPage(): Promise<Page> {
  const page = await ui.newPage();
  return page;
}

async function open(server: TestServer, path = '/'): Promise<{ page: Page; problems: string[] }> {
  const page = await newPage();
  const problems = watchProblems(page);
  await page.goto(`${server.dashboardUrl}${path}`);
  return { page, problems };
}

const live = (page: Page) => page.waitForSelector('[data-connection="live"]', { timeout: 15_000 });
const card = (page: Page, id: string) => page.locator(`article[data-task-id="${id}"]`);

// Each test starts a server and a page; on a busy machine that takes a while (no timing is asserted).
describe.skipIf(!hasChromium)('dashboard in Chromium', { timeout: 120_000 }, () => {
  it('shows tasks added through the API live, without a reload, in the right column', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    await server.http.post('/api/v1/tasks', { id: 'seed', description: 'already there' });
    const { page, problems } = await open(server);
    await live(page);
    await card(page, 'seed').waitFor();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    await server.http.post('/api/v1/tasks', {
      tasks: [
        { id: 'design', description: 'Write the design', labels: ['docs'], priority: 5 },
        { id: 'build', description: 'Build it', dependencies: ['design'] },
      ],
    });
    await card(page, 'design').waitFor();
    expect(await page.locator('[data-status="available"] article[data-task-id="design"]').count()).toBe(1);
    expect(await page.locator('[data-status="blocked"] article[data-task-id="build"]').count()).toBe(1);

    await server.http.post('/api/v1/claim-next', { workerId: 'agent-1' });
    await page.locator('[data-status="claimed"] article[data-task-id="design"]').waitFor();
    await page.waitForFunction(() =>
      document
        .querySelector('[data-status="claimed"] article[data-task-id="design"]')
        ?.textContent?.includes('agent-1 · slot 1'),
    );
    await server.http.post('/api/v1/tasks/design/complete', { workerId: 'agent-1', output: 'ok' });
    await page.locator('[data-status="available"] article[data-task-id="build"]').waitFor();
    // The unblock and the completion are two events of one commit: the count follows within a frame.
    await page.locator('[data-status="done"] [data-count="1"]').waitFor();
    expect(await page.locator('[data-status="done"] article[data-task-id="design"]').count()).toBe(1);
    // Same document all along: no reload happened.
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await screenshot(page, 'board');
    // Follows the system's scheme: dark backgrounds and light text when the system is dark.
    const colours = () =>
      page.evaluate(() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]);
    const light = await colours();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await colours();
    expect(dark).not.toEqual(light);
    await screenshot(page, 'board-dark');
    expect(problems).toEqual([]);
  });

  it('the slots view shows each holder, its task and lease, and free slots as free', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist, slots: 3 });
    await server.http.post('/api/v1/tasks', { id: 'held', description: 'in a slot' });
    await server.http.post('/api/v1/claim-next', { workerId: 'agent-s' });
    const { page, problems } = await open(server, '/slots');
    await page.locator('tr.slot.held[data-slot="1"]').waitFor();
    const row = await page.locator('tr[data-slot="1"]').textContent();
    expect(row).toContain('agent-s');
    expect(row).toContain('held');
    expect(row).toMatch(/\d+m \d+s|\d+s/);
    expect(await page.locator('tr.slot.free').count()).toBe(2);
    expect(await page.locator('tr[data-slot="2"]').textContent()).toContain('free');
    // A slot freed elsewhere looks free here without a reload.
    await server.http.post('/api/v1/slots/1/release', { workerId: 'agent-s' });
    await page.locator('tr.slot.free[data-slot="1"]').waitFor();
    expect(problems).toEqual([]);
  });

  it('a task added through the form is visible through the API, with its dependency', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    await server.http.post('/api/v1/tasks', { id: 'base', description: 'the base' });
    const { page, problems } = await open(server, '/add');
    await live(page);
    // The schema's message first: an empty description is refused in the page.
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.locator('#err-description').waitFor();
    await page.getByLabel('Description').fill('Written in the form\nwith a second line');
    await page.getByLabel('Id (optional)').fill('from-form');
    await page.getByLabel('Priority').fill('4');
    await page.getByLabel('Labels (comma-separated)').fill('ui, e2e');
    await page.getByLabel('find a task to depend on').fill('bas');
    await page.getByRole('button', { name: 'base' }).click();
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.waitForURL(/\/tasks\/from-form/);
    const stored = await server.http.get('/api/v1/tasks/from-form');
    expect(stored.status).toBe(200);
    expect(stored.body.task).toMatchObject({
      description: 'Written in the form\nwith a second line',
      priority: 4,
      labels: ['e2e', 'ui'],
      dependencies: ['base'],
      status: 'blocked',
    });
    // A duplicate id with other content: the server's TASK_EXISTS is shown by the id field.
    await page.goto(`${server.dashboardUrl}/add`);
    await page.getByLabel('Description').fill('something else');
    await page.getByLabel('Id (optional)').fill('from-form');
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.locator('#err-id').filter({ hasText: 'exists' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('resets a failed task from its page, and the page shows its history', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    await server.http.post('/api/v1/tasks', { id: 'flaky', description: 'fails once', maxAttempts: 1 });
    await server.http.post('/api/v1/claim-next', { workerId: 'agent-9' });
    await server.http.post('/api/v1/tasks/flaky/fail', { workerId: 'agent-9', error: 'disk full' });
    const { page, problems } = await open(server, '/tasks/flaky');
    await page.locator('.timeline li[data-event-type="task.failed"]').waitFor();
    expect(
      await page.locator('.timeline li').evaluateAll((items) => items.map((li) => li.getAttribute('data-event-type'))),
    ).toEqual(['task.added', 'task.claimed', 'task.failed']);
    expect(await page.locator('.timeline').textContent()).toContain('agent-9');
    expect(await page.locator('pre.text.error').textContent()).toBe('disk full');
    await screenshot(page, 'task');

    await page.getByRole('button', { name: 'Reset' }).click();
    await page.locator('.timeline li[data-event-type="task.reset"]').waitFor();
    const after = await server.http.get('/api/v1/tasks/flaky');
    expect(after.body.task).toMatchObject({ status: 'available', attempts: 0 });
    // The audit trail says the reset came from the dashboard.
    const history = await server.http.get('/api/v1/tasks/flaky/history');
    expect(history.body.events.at(-1)).toMatchObject({ type: 'task.reset', data: { actor: { worker: 'dashboard' } } });
    expect(problems).toEqual([]);
  });

  it('releases a stuck claim from the task page after a confirmation, without counting an attempt', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    await server.http.post('/api/v1/tasks', { id: 'stuck', description: 'held by an agent that hangs' });
    await server.http.post('/api/v1/claim-next', { workerId: 'hung-agent' });
    const { page, problems } = await open(server, '/tasks/stuck');
    await page.getByRole('button', { name: 'Release claim' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Release' }).click();
    await page.locator('.timeline li[data-event-type="task.released"]').waitFor();
    expect((await server.http.get('/api/v1/tasks/stuck')).body.task).toMatchObject({
      status: 'available',
      worker: null,
      attempts: 0,
    });
    // The agent's late completion is fenced off.
    const late = await server.http.post('/api/v1/tasks/stuck/complete', { workerId: 'hung-agent' });
    expect(late.body.error.code).toBe('LEASE_LOST');
    expect(problems).toEqual([]);
  });

  it('bulk-resets failed tasks from the board after a confirmation', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    const ids = ['f1', 'f2', 'f3'];
    await server.http.post('/api/v1/tasks', { tasks: ids.map((id) => ({ id, description: id, maxAttempts: 1 })) });
    for (const id of ids) {
      await server.http.post(`/api/v1/tasks/${id}/claim`, {
        workerId: `w-${id}`,
        slot: (await server.http.post('/api/v1/slots', { workerId: `w-${id}` })).body.slot.slot,
      });
      await server.http.post(`/api/v1/tasks/${id}/fail`, { workerId: `w-${id}` });
    }
    const { page } = await open(server);
    await live(page);
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(new URL(request.url()).pathname);
    });
    await page.getByRole('button', { name: 'Reset 3 failed' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reset them' }).click();
    await page.locator('[data-status="failed"] [data-count="0"]').waitFor();
    await page.getByText('Reset 3 failed task(s).').waitFor();
    const list = await server.http.get('/api/v1/tasks?status=failed');
    expect(list.body.tasks).toEqual([]);
    // One request for the three, one atomic step (three task.reset events in one commit).
    expect(posts).toEqual(['/api/v1/tasks/reset']);
  });

  it('the graph draws a node per task, coloured by status, and follows changes live', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    await server.http.post('/api/v1/tasks', {
      tasks: [
        { id: 'a', description: 'a' },
        { id: 'b', description: 'b', dependencies: ['a'] },
        { id: 'c', description: 'c', dependencies: ['a'] },
        { id: 'd', description: 'd', dependencies: ['b', 'c'] },
      ],
    });
    const { page, problems } = await open(server, '/graph');
    await page.locator('.react-flow__node').first().waitFor();
    expect(await page.locator('.react-flow__node').count()).toBe(4);
    expect(await page.locator('.react-flow__edge').count()).toBe(4);
    expect(await page.locator('.react-flow__node.status-available').count()).toBe(1);
    await server.http.post('/api/v1/claim-next', { workerId: 'agent-1' });
    await page.locator('.react-flow__node.status-claimed').waitFor();
    await screenshot(page, 'graph');
    // Keyboard: focus a node and press Enter to open its task.
    await page.locator('.react-flow__node[data-id="d"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/tasks\/d$/);
    await page.goBack();
    // A task's neighbourhood has its own URL.
    await page.goto(`${server.dashboardUrl}/graph?task=b`);
    await page.locator('.react-flow__node.focus').waitFor();
    expect(await page.locator('.react-flow__node').count()).toBe(3);
    expect(problems).toEqual([]);
  });

  it('the audit view filters by worker and type in the URL, names the token, and exports CSV', async () => {
    const server = await startTestServer({
      dashboardPort: 0,
      dashboardDir: ui.dist,
      tokens: [{ name: 'ops', secret: 'audit-secret' }],
    });
    const api = client(server.apiUrl, 'audit-secret');
    await api.post('/api/v1/tasks', {
      tasks: [
        { id: 'one', description: 'first' },
        { id: 'two', description: 'second' },
      ],
    });
    await api.post('/api/v1/claim-next', { workerId: 'alice' }, { headers: { 'x-worker-id': 'alice' } });
    await api.post('/api/v1/claim-next', { workerId: 'bob' }, { headers: { 'x-worker-id': 'bob' } });
    const page = await newPage();
    await page.goto(`${server.dashboardUrl}/audit`);
    await page.getByLabel('Token', { exact: true }).fill('audit-secret');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('tr[data-event-type="task.claimed"]').first().waitFor();
    // Two adds, two slots taken, two claims.
    expect(await page.locator('tbody tr').count()).toBe(6);
    // Filter: bob's claims only; the filter is in the URL.
    await page.getByLabel('Worker').fill('bob');
    await page.getByLabel('Worker').press('Enter');
    await page.waitForURL(/workerId=bob/);
    await page.getByLabel('Type').selectOption('task.claimed');
    await page.waitForURL(/type=task.claimed/);
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    const row = await page.locator('tbody tr').textContent();
    expect(row).toContain('two');
    expect(row).toContain('ops');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync(file, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain('task.claimed');
    expect(csv[1]).toContain('bob');
    await screenshot(page, 'audit');
  });

  it('previews a plan with its graph, names the line of an error, then loads it atomically', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    const { page, problems } = await open(server, '/plans');
    await page
      .getByLabel('Plan (YAML or JSON)')
      .fill(
        [
          'tasks:',
          '  - id: a',
          '    description: first',
          '  - id: b',
          '    description: second',
          '    dependencies: [missing]',
        ].join('\n'),
      );
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('.plan-issues li').first().waitFor();
    expect(await page.locator('.plan-issues').textContent()).toMatch(/line 6/);
    expect((await server.http.get('/api/v1/tasks')).body.tasks).toEqual([]);

    await page
      .getByLabel('Plan (YAML or JSON)')
      .fill(
        [
          'name: deploy',
          'parameters:',
          '  env: {}',
          'tasks:',
          '  - id: build',
          '    description: build for {{env}}',
          '  - id: ship',
          '    description: ship to {{env}}',
          '    dependencies: [build]',
        ].join('\n'),
      );
    await page.getByLabel('Id prefix (optional)').fill('r1/');
    await page.getByLabel('Parameters (one key=value per line)').fill('env=staging');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('.plan-preview .react-flow__node').first().waitFor();
    expect(await page.locator('.plan-preview .react-flow__node').count()).toBe(2);
    expect(await page.locator('.plan-preview .react-flow__edge').count()).toBe(1);
    expect((await server.http.get('/api/v1/tasks')).body.tasks).toEqual([]);
    await screenshot(page, 'plan-preview');
    await page.getByRole('button', { name: 'Load 2 task(s)' }).click();
    await page.getByText('Loaded 2 new task(s)').waitFor();
    const ship = await server.http.get('/api/v1/tasks/r1%2Fship');
    expect(ship.body.task).toMatchObject({
      description: 'ship to staging',
      dependencies: ['r1/build'],
      status: 'blocked',
    });
    expect(problems).toEqual([]);
  });

  it('an HTML payload in a description stays text on the board and on the task page; the CSP forbids inline scripts', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    await server.http.post('/api/v1/tasks', { id: 'xss', description: payload });
    const { page } = await open(server);
    await card(page, 'xss').waitFor();
    expect(await card(page, 'xss').locator('img, script').count()).toBe(0);
    expect(await card(page, 'xss').locator('.card-desc').textContent()).toBe(payload);
    await page.goto(`${server.dashboardUrl}/tasks/xss`);
    await page.locator('[data-testid="description"]').waitFor();
    expect(await page.locator('[data-testid="description"]').textContent()).toBe(payload);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    const csp = (await fetch(`${server.dashboardUrl}/`)).headers.get('content-security-policy');
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('with a token set, the page asks for it, remembers it for the session, and then shows the board', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist, token: 'e2e-secret' });
    await server.http.post('/api/v1/tasks', { id: 'guarded', description: 'behind the token' });
    const { page } = await open(server);
    await page.getByRole('heading', { name: 'This server needs a token' }).waitFor();
    expect(await card(page, 'guarded').count()).toBe(0);
    await page.getByLabel('Token', { exact: true }).fill('wrong');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('That token was refused.').waitFor();
    await page.getByLabel('Token', { exact: true }).fill('e2e-secret');
    await page.getByRole('button', { name: 'Connect' }).click();
    await card(page, 'guarded').waitFor();
    await live(page);
    // Remembered for the session: a reload goes straight to the board.
    await page.reload();
    await card(page, 'guarded').waitFor();
  });

  it('an empty board shows how to add work and the line that connects an agent', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    const { page } = await open(server);
    const line = page.getByTestId('connect-line');
    await line.waitFor();
    expect(await line.textContent()).toBe(
      `claude mcp add task-coordinator -e TASK_COORDINATOR_URL=${server.dashboardUrl} -- npx -y task-coordinator-mcp`,
    );
  });

  it('shows the connection state, and after a server restart resumes from the last event without reloading', async () => {
    const first = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    await first.http.post('/api/v1/tasks', { id: 'before', description: 'before the restart' });
    const { page } = await open(first);
    await live(page);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
    const port = first.dashboardPort!;
    const db = first.config.db;
    await first.close();
    await page.waitForSelector('[data-connection="reconnecting"], [data-connection="offline"]');
    // Same file, same dashboard port: events committed while the page was away are replayed.
    const second = await startTestServer({ dashboardPort: port, dashboardDir: ui.dist, db });
    await second.http.post('/api/v1/tasks', { id: 'after', description: 'after the restart' });
    await card(page, 'after').waitFor({ timeout: 20_000 });
    await live(page);
    expect(await card(page, 'before').count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);
  });
});
