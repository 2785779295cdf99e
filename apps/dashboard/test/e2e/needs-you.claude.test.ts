// A person in the loop, end to end: the real Claude Code (scripted model) claims a task over /mcp and
// calls ask_human; while its tool call is pending, a person answers in the Needs-you inbox of the
// dashboard in headless Chromium; the agent's tool call returns that answer and the task is working
// again, held by the agent. Asserted on what the model was shown (recorded by the Messages API stand-in)
// and on the board itself.
import { expect, it } from 'vitest';

import {
  ClaudeHarness,
  call,
  decide,
  describeClaude,
  lastResult,
  mcpName,
  say,
  selectTools,
} from '@task-coordinator/test-support/claude-code';
import { eventually, startTestServer } from '../../../server/test/helpers.js';
import { hasChromium, dashboardBrowser, watchProblems } from './browser.js';

const AGENT = 'claude-agent';
const QUESTION = 'SQLite or PostgreSQL for the board?';
const tc = (tool: string, input: Record<string, unknown> = {}) => call(mcpName('tc', tool), input);

const ui = dashboardBrowser();

await describeClaude('a person answers an agent through the dashboard', ({ bin }) => {
  it.skipIf(!hasChromium)('ask_human returns the answer clicked in the Needs-you inbox', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    await server.store.addTask({ id: 'pick-db', description: 'Pick the database for the board' });

    let afterAnswer: unknown;
    const harness = await ClaudeHarness.start({
      bin,
      turns: [
        selectTools('tc', 'claim_next_task', 'update_task', 'ask_human'),
        tc('claim_next_task'),
        decide((ctx) => tc('update_task', { taskId: (lastResult(ctx).json as any).task.id, status: 'working' })),
        decide((ctx) =>
          tc('ask_human', {
            taskId: (lastResult(ctx).json as any).task.id,
            question: QUESTION,
            options: ['SQLite', 'PostgreSQL'],
            wait_seconds: 60,
          }),
        ),
        decide(async () => {
          // The agent is still running (its /mcp session open): the board as it sees it after the answer.
          afterAnswer = await server.store.getTask({ taskId: 'pick-db' });
          return say('Going with PostgreSQL.');
        }),
      ],
    });
    const page = await ui.newPage();
    const problems = watchProblems(page);
    try {
      await page.goto(`${server.dashboardUrl}/needs-you`);
      await page.waitForSelector('[data-connection="live"]', { timeout: 15_000 });
      await page.waitForSelector('[data-needs-count="0"]');

      const running = harness.print('Pick the database for the board; ask a person.', {
        mcpServers: {
          tc: { type: 'http', url: server.mcpUrl, headers: { 'X-Worker-Id': AGENT } },
        },
        allowedTools: ['mcp__tc'],
        timeoutMs: 200_000,
      });
      // A failed run must not leave the waits below to time out silently.
      const finished = running.then(
        () => true,
        () => true,
      );

      // The agent's ask_human call is pending: the task waits with the question.
      await eventually(
        async () => {
          const task = await server.store.getTask({ taskId: 'pick-db' });
          if (task.status === 'waiting') return true;
          if (await Promise.race([finished, Promise.resolve(false)]))
            throw new Error(`claude finished before asking: ${JSON.stringify(harness.api.errors)}`);
          return false;
        },
        150_000,
        100,
      );
      expect(await server.store.getTask({ taskId: 'pick-db' })).toMatchObject({ status: 'waiting', worker: AGENT });
      await page.waitForSelector('[data-needs-count="1"]', { timeout: 15_000 });
      await page.waitForSelector(`[data-needs="pick-db"] >> text=${QUESTION}`, { timeout: 15_000 });
      await page.click('[data-needs="pick-db"] button:has-text("PostgreSQL")');
      await page.waitForSelector('[data-needs-count="0"]', { timeout: 15_000 });

      const run = await running;
      expect(harness.api.errors).toEqual([]);
      expect(run.code).toBe(0);
      expect(run.result?.result).toBe('Going with PostgreSQL.');

      const shown = harness.api.toolResults();
      expect(shown.map((r) => r.tool.replace('mcp__tc__', ''))).toEqual([
        'ToolSearch',
        'claim_next_task',
        'update_task',
        'ask_human',
      ]);
      const asked = shown[3]!;
      expect(asked.input).toMatchObject({ taskId: 'pick-db', question: QUESTION, options: ['SQLite', 'PostgreSQL'] });
      expect(asked.isError).toBe(false);
      const answered = JSON.parse(asked.text);
      expect(answered.answer).toMatchObject({ text: 'PostgreSQL', option: 1 });
      expect(answered.task).toMatchObject({ id: 'pick-db', status: 'working', worker: AGENT });

      expect(afterAnswer).toMatchObject({ status: 'working', worker: AGENT });
      expect(await server.store.getTask({ taskId: 'pick-db' })).toMatchObject({
        status: 'working',
        worker: AGENT,
        answer: { text: 'PostgreSQL' },
      });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await harness.close();
    }
  });
});
