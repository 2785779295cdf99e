// File reservations in a real browser against a real server, live: the Files list, the agents and slots views,
// the task page (its reservations, and why a task declaring the same files waits), and files in the add form.
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../../server/test/helpers.js';
import { dashboardBrowser, hasChromium, screenshot, watchProblems } from './browser.js';

const ui = dashboardBrowser();

describe.skipIf(!hasChromium)('file reservations in Chromium', () => {
  it('appear and go live on every view; a task waiting on held files says so until they are free', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    const { http } = server;
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'auth', description: 'Rework login', priority: 5 },
        { id: 'login-copy', description: 'Reword the login page', files: ['src/auth/login.ts'] },
      ],
    });
    const page = await ui.newPage();
    const problems = watchProblems(page);
    try {
      await page.goto(`${server.dashboardUrl}/reservations`);
      await page.waitForSelector('[data-connection="live"]', { timeout: 15_000 });
      await page.waitForSelector('text=Nobody holds files right now.');

      expect((await http.post('/api/v1/claim-next', { workerId: 'agent-a' })).body.task.id).toBe('auth');
      const reserved = await http.post('/api/v1/tasks/auth/reservations', {
        workerId: 'agent-a',
        patterns: ['src/auth/**'],
        reason: 'login rework',
      });
      expect(reserved.status).toBe(200);
      const row = '[data-reservation="src/auth/**"][data-task="auth"]';
      await page.waitForSelector(`${row} >> text=agent-a`, { timeout: 15_000 });
      await page.waitForSelector(`${row} >> text=login rework`);
      await page.waitForSelector('[data-reservation-count="1"]');
      await screenshot(page, 'reservations');

      await page.click('nav >> text=Agents');
      await page.waitForSelector('[data-agent="agent-a"] [data-held-files="src/auth/**"]', { timeout: 15_000 });
      await page.click('nav >> text=Slots');
      await page.waitForSelector('tr.slot.held [data-held-files="src/auth/**"]', { timeout: 15_000 });

      // The task declaring a file under src/auth waits, and says for what, for whom, on which task.
      await page.goto(`${server.dashboardUrl}/tasks/login-copy`);
      await page.waitForSelector('[data-testid="blocked-by"] >> text=Waiting for src/auth/**', { timeout: 15_000 });
      expect(await page.textContent('[data-testid="blocked-by"]')).toContain('held by agent-a on task auth');
      await page.waitForSelector('ul[aria-label="declared files"] >> text=src/auth/login.ts');
      await screenshot(page, 'task-blocked-by-files');

      // A finishes: its reservation goes, and the waiting task is free to claim, live on the open page.
      await http.post('/api/v1/tasks/auth/complete', { workerId: 'agent-a', output: 'done' });
      await page.waitForSelector('[data-testid="blocked-by"]', { state: 'detached', timeout: 15_000 });
      expect((await http.post('/api/v1/claim-next', { workerId: 'agent-b' })).body.task.id).toBe('login-copy');

      // The holder's page lists its reservations live; the add form declares files.
      await page.goto(`${server.dashboardUrl}/tasks/login-copy`);
      await page.waitForSelector('[data-connection="live"]', { timeout: 15_000 });
      await page.waitForSelector('[data-testid="no-reservations"]');
      await http.post('/api/v1/tasks/login-copy/reservations', {
        workerId: 'agent-b',
        patterns: ['docs/**'],
        mode: 'shared',
      });
      await page.waitForSelector('[data-testid="task-files"] [data-reservation="docs/**"] >> text=shared', {
        timeout: 15_000,
      });
      await fetch(`${server.apiUrl}/api/v1/tasks/login-copy/reservations`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ workerId: 'agent-b' }),
      });
      await page.waitForSelector('[data-testid="no-reservations"]', { timeout: 15_000 });

      await page.click('nav >> text=Add task');
      await page.getByLabel('Description').fill('Split the auth module');
      await page.getByLabel('Id (optional)').fill('split-auth');
      await page.getByLabel('Files it will touch', { exact: false }).fill('./src/auth/**\ndocs/auth.md');
      await page.getByRole('button', { name: 'Add task' }).click();
      await page.waitForSelector('ul[aria-label="declared files"] >> text=docs/auth.md', { timeout: 15_000 });
      expect((await http.get('/api/v1/tasks/split-auth')).body.task.files).toEqual(['src/auth/**', 'docs/auth.md']);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
