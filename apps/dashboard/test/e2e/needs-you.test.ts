// The Needs-you inbox and the Agents view in a real browser against a real server, live.
import { describe, expect, it } from 'vitest';

import { startTestServer } from '../../../server/test/helpers.js';
import { hasChromium, dashboardBrowser, screenshot, watchProblems } from './browser.js';

const ui = dashboardBrowser();

describe.skipIf(!hasChromium)('Needs you and Agents in Chromium', () => {
  it('a question appears live with its count, an option button answers it; a review is approved; agents are listed', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    const { http } = server;
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'pick-db', description: 'Pick the database' },
        { id: 'write-docs', description: 'Write the docs', review: true },
        { id: 'publish', description: 'Publish', dependencies: ['write-docs'] },
      ],
    });
    const page = await ui.newPage();
    const problems = watchProblems(page);
    try {
      await page.goto(`${server.dashboardUrl}/needs-you`);
      await page.waitForSelector('[data-connection="live"]', { timeout: 15_000 });
      await page.waitForSelector('[data-needs-count="0"]');

      await http.post('/api/v1/claim-next', { workerId: 'agent-a' });
      await http.post('/api/v1/tasks/pick-db/start', { workerId: 'agent-a', progress: 'comparing options' });
      const pending = http.post('/api/v1/tasks/pick-db/questions', {
        workerId: 'agent-a',
        question: 'SQLite or PostgreSQL for the board?',
        options: ['SQLite', 'PostgreSQL'],
        wait: 60,
      });
      await http.post('/api/v1/claim-next', { workerId: 'agent-b' });
      await http.post('/api/v1/tasks/write-docs/complete', { workerId: 'agent-b', output: 'docs/guide.md' });
      await page.waitForSelector('[data-needs-count="2"]', { timeout: 15_000 });
      await page.waitForSelector('[data-needs="pick-db"] >> text=SQLite or PostgreSQL for the board?');
      await page.waitForSelector('[data-needs="write-docs"]');
      await screenshot(page, 'needs-you');

      await page.click('[data-needs="pick-db"] button:has-text("PostgreSQL")');
      const asked = await pending;
      expect(asked.body.answer).toMatchObject({ text: 'PostgreSQL', option: 1 });
      await page.waitForSelector('[data-needs-count="1"]', { timeout: 15_000 });

      await page.click('[data-needs="write-docs"] button:has-text("Approve")');
      await page.waitForSelector('[data-needs-count="0"]', { timeout: 15_000 });
      expect((await http.get('/api/v1/tasks/publish')).body.task.status).toBe('available');

      // A person's note on the task page reaches the task (and the next holder's claim).
      await page.goto(`${server.dashboardUrl}/tasks/pick-db`);
      await page.waitForSelector('[data-testid="notes-panel"] >> text=comparing options');
      await page.fill('input[aria-label="add a note"]', 'Use the pooled connection string');
      await page.click('button:has-text("Add note")');
      await page.waitForSelector('[data-testid="notes-panel"] li >> text=Use the pooled connection string');
      expect((await http.get('/api/v1/tasks/pick-db')).body.task.notes).toMatchObject([
        { author: 'dashboard', text: 'Use the pooled connection string' },
      ]);

      await page.click('nav >> text=Agents');
      await page.waitForSelector('[data-agent="agent-a"] >> text=active');
      await page.waitForSelector('[data-agent="agent-b"] >> text=idle');
      await screenshot(page, 'agents');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
