// The Webhooks view in Chromium: a receiver's queue and its last attempts, from a real server delivering to a loopback receiver.
import { describe, expect, it } from 'vitest';

import { parseWebhookSpec } from '../../../server/src/webhooks/webhook-config.js';
import { eventually, startTestServer } from '../../../server/test/helpers.js';
import { startReceiver } from '../../../server/test/webhook-support.js';
import { hasChromium, dashboardBrowser, screenshot, watchProblems } from './browser.js';

const ui = dashboardBrowser();

describe.skipIf(!hasChromium)('webhooks view in Chromium', () => {
  it('lists each receiver with its counts and the last attempts, delivered and failed', async () => {
    const up = await startReceiver('up');
    const down = await startReceiver('down');
    try {
      const server = await startTestServer({
        dashboardPort: 0,
        dashboardDir: ui.dist,
        webhooks: [parseWebhookSpec(up.url, 'test'), parseWebhookSpec(`${down.url}#task.*`, 'test')],
        webhookSecret: 'view-test-secret-0123456789',
      });
      await server.http.post('/api/v1/tasks', { id: 'x', description: 'will fail', maxAttempts: 1 });
      const claim = await server.http.post('/api/v1/claim-next', { workerId: 'w' });
      expect(claim.body.task.id).toBe('x');
      await server.http.post('/api/v1/tasks/x/fail', { workerId: 'w', error: 'broken' });
      await eventually(() => up.received.length === 1 && down.attempts >= 1, 15_000);
      // The receivers have the requests; wait until the server has recorded both outcomes too (the failure is
      // written after the refused request returns), so the page shows what the server knows.
      await eventually(async () => {
        const { body } = await server.http.get('/api/v1/webhooks');
        const byUrl = (url: string) => body.webhooks.find((w: { url: string }) => w.url === url);
        return byUrl(up.url)?.delivered === 1 && byUrl(down.url)?.failingSince != null;
      }, 15_000);

      const page = await ui.newPage();
      const problems = watchProblems(page);
      try {
        await page.goto(`${server.dashboardUrl}/webhooks`);
        const rows = page.locator('table[aria-label="webhook queues"] tbody tr');
        await rows.nth(1).waitFor();
        const upRow = rows.filter({ hasText: new URL(up.url).host });
        const downRow = rows.filter({ hasText: new URL(down.url).host });
        expect(await upRow.locator('td').nth(3).textContent()).toBe('1');
        expect(await downRow.locator('td').nth(1).textContent()).toBe('task.*');
        expect(await downRow.locator('td').nth(6).textContent()).toMatch(/^failing \(/);
        await page.locator('table[aria-label="webhook attempts"] tr[data-outcome="delivered"]').first().waitFor();
        await page.locator('table[aria-label="webhook attempts"] tr[data-outcome="failed"]').first().waitFor();
        await screenshot(page, 'webhooks');
        expect(problems).toEqual([]);
      } finally {
        await page.close();
      }
    } finally {
      await up.close();
      await down.close();
    }
  }, 60_000);
});
