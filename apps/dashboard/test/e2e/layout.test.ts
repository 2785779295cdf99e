// What a person sees, measured in a real browser: cards whose text stays inside them (whole lines,
// an ellipsis), a failed card's error, status colours told apart (also with deuteranopia), the
// graph's minimap and edges, the audit log's order and token names, the chart's axes, the width
// a wide screen gives. Screenshots go to <repo>/screenshots (TC_SCREENSHOT_PREFIX names a run).
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { client, startTestServer, type TestServer } from '../../../server/test/helpers.js';
import { hasChromium, dashboardBrowser, screenshot, watchProblems } from './browser.js';
import { contrast, deuteranopia, distance, parseColour } from './colour.js';

const ui = dashboardBrowser();

const prefix = process.env.TC_SCREENSHOT_PREFIX ?? '';
const shot = (page: Page, name: string) => screenshot(page, `${prefix}${name}`);

async function open(
  server: TestServer,
  path: string,
  viewport = { width: 1400, height: 900 },
): Promise<{ page: Page; problems: string[] }> {
  const page = await ui.newPage(viewport);
  const problems = watchProblems(page);
  await page.goto(`${server.dashboardUrl}${path}`);
  return { page, problems };
}

const LONG_WORD = 'x'.repeat(400);
const LONG_TEXT = Array.from({ length: 40 }, (_, i) => `line ${i} of a long description that wraps`).join(' ');

/** A board with every kind of card: labels, holder, lease, deadline, long text, a failure. */
async function busyBoard(server: TestServer): Promise<void> {
  const soon = Date.now() + 3_600_000;
  await server.http.post('/api/v1/tasks', {
    tasks: [
      { id: 'plain', description: 'short' },
      { id: 'long-text', description: LONG_TEXT, labels: ['docs', 'ui', 'e2e'], deadline: soon, priority: 3 },
      { id: 'long-word', description: LONG_WORD, labels: ['alpha'] },
      { id: 'late', description: `late ${LONG_TEXT}`, deadline: Date.now() - 60_000, labels: ['ops'] },
      { id: 'flaky', description: `first line\nsecond line\n${LONG_TEXT}`, maxAttempts: 1, labels: ['x'] },
      { id: 'held', description: `held ${LONG_TEXT}`, labels: ['a', 'b', 'c', 'd'], priority: 9, deadline: soon },
      { id: 'busy', description: `busy ${LONG_WORD}`, labels: ['b'], priority: 8 },
    ],
  });
  // flaky: claimed and failed for good with an error; held: claimed; busy: working.
  const flaky = await server.http.post('/api/v1/slots', { workerId: 'agent-f' });
  await server.http.post('/api/v1/tasks/flaky/claim', { workerId: 'agent-f', slot: flaky.body.slot.slot });
  await server.http.post('/api/v1/tasks/flaky/fail', {
    workerId: 'agent-f',
    error: 'disk full while writing /var/tmp/build-output-with-a-long-name',
  });
  const held = await server.http.post('/api/v1/slots', { workerId: 'agent-with-a-rather-long-name' });
  await server.http.post('/api/v1/tasks/held/claim', {
    workerId: 'agent-with-a-rather-long-name',
    slot: held.body.slot.slot,
  });
  const busy = await server.http.post('/api/v1/slots', { workerId: 'agent-b' });
  await server.http.post('/api/v1/tasks/busy/claim', { workerId: 'agent-b', slot: busy.body.slot.slot });
  await server.http.post('/api/v1/tasks/busy/start', { workerId: 'agent-b' });
}

// Each test starts a server and a page; on a busy machine that takes a while (no timing is asserted).
describe.skipIf(!hasChromium)('dashboard layout in Chromium', { timeout: 120_000 }, () => {
  it('cards keep their text inside: whole lines, an ellipsis, long words broken; a failed card shows its error', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    await busyBoard(server);
    const { page, problems } = await open(server, '/');
    await page.locator('[data-status="working"] article[data-task-id="busy"]').waitFor();
    await page.locator('[data-status="failed"] article[data-task-id="flaky"]').waitFor();
    await shot(page, 'cards');

    const cards = await page.locator('article.card').evaluateAll((articles) =>
      articles.map((card) => {
        const box = card.getBoundingClientRect();
        const desc = card.querySelector('.card-desc') as HTMLElement;
        const style = getComputedStyle(desc);
        const line = parseFloat(style.lineHeight);
        const d = desc.getBoundingClientRect();
        // Everything the card shows, down to each text node, sits inside the card's box.
        const outside: string[] = [];
        for (const el of card.querySelectorAll('*')) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          if (
            r.top < box.top - 0.5 ||
            r.bottom > box.bottom + 0.5 ||
            r.left < box.left - 0.5 ||
            r.right > box.right + 0.5
          )
            outside.push(`${el.className || el.tagName} ${Math.round(r.bottom - box.bottom)}px`);
        }
        return {
          id: card.getAttribute('data-task-id'),
          outside,
          overflowX: desc.scrollWidth - desc.clientWidth,
          // A clamp by whole lines: the box is a whole number of lines tall.
          lines: d.height / line,
          clamped: desc.scrollHeight > desc.clientHeight + 1,
          ellipsis: style.webkitLineClamp !== 'none' && style.webkitLineClamp !== '',
        };
      }),
    );
    expect(cards.length).toBe(7);
    for (const card of cards) {
      expect(card.outside, `card ${card.id}`).toEqual([]);
      expect(card.overflowX, `card ${card.id} overflows sideways`).toBeLessThanOrEqual(0);
      expect(Math.abs(card.lines - Math.round(card.lines)), `card ${card.id} cuts a line`).toBeLessThan(0.05);
      if (card.clamped) expect(card.ellipsis, `card ${card.id} clamped without an ellipsis`).toBe(true);
    }
    // The long ones are clamped (so the ellipsis is what shows the cut).
    expect(cards.find((c) => c.id === 'long-word')!.clamped).toBe(true);
    expect(cards.find((c) => c.id === 'long-text')!.clamped).toBe(true);

    const failed = page.locator('article[data-task-id="flaky"]');
    expect(await failed.locator('.card-error').textContent()).toContain('disk full');
    expect(await failed.locator('.card-error').isVisible()).toBe(true);

    // "Overdue" means one thing on the card and the task page: past the deadline and not finished.
    expect(await page.locator('article[data-task-id="late"] .deadline.overdue').count()).toBe(1);
    await page.goto(`${server.dashboardUrl}/tasks/late`);
    await page.locator('dd.overdue').waitFor();
    expect(await page.locator('dd.overdue').textContent()).toMatch(/overdue/);
    expect(problems).toEqual([]);
  });

  it('claimed and working look different, also to someone with deuteranopia, and text on them is readable', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    await busyBoard(server);
    const { page } = await open(server, '/');
    await page.locator('[data-status="working"] article[data-task-id="busy"]').waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const colours = await page.evaluate(() => {
        const read = (selector: string) => {
          const el = document.querySelector(selector) as HTMLElement;
          const style = getComputedStyle(el);
          const border = el.classList.contains('column-head') ? style.borderBottomColor : style.borderLeftColor;
          return { border, text: style.color };
        };
        const panel = getComputedStyle(document.querySelector('.column') as HTMLElement).backgroundColor;
        return {
          claimed: read('[data-status="claimed"] .column-head'),
          working: read('[data-status="working"] .column-head'),
          claimedCard: read('article.card.status-claimed'),
          workingCard: read('article.card.status-working'),
          panel,
        };
      });
      await shot(page, `colours-${scheme}`);
      const claimed = parseColour(colours.claimedCard.border);
      const working = parseColour(colours.workingCard.border);
      // CIE76 ΔE: 20+ is a clearly different colour at a glance; also through a deuteranope's eyes.
      expect(distance(claimed, working), `${scheme}: claimed vs working`).toBeGreaterThan(20);
      expect(distance(deuteranopia(claimed), deuteranopia(working)), `${scheme}: deuteranopia`).toBeGreaterThan(20);
      // The status accents stand out from the panel (WCAG non-text contrast 3:1).
      const panel = parseColour(colours.panel);
      expect(contrast(claimed, panel), `${scheme}: claimed accent on the panel`).toBeGreaterThanOrEqual(3);
      expect(contrast(working, panel), `${scheme}: working accent on the panel`).toBeGreaterThanOrEqual(3);
      // The column heads' accents (their underline) too, and their text is readable (WCAG AA 4.5:1).
      for (const head of [colours.claimed, colours.working]) {
        expect(contrast(parseColour(head.border), panel)).toBeGreaterThanOrEqual(3);
        expect(contrast(parseColour(head.text), panel)).toBeGreaterThanOrEqual(4.5);
      }
    }
  });

  it('a wide screen is used across its width: board, task page, slots, throughput', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    await busyBoard(server);
    const { page } = await open(server, '/', { width: 2560, height: 1000 });
    await page.locator('article[data-task-id="busy"]').waitFor();
    await shot(page, 'wide');
    // How far right the view's content reaches, as a share of the window.
    const reach = (selector: string) =>
      page.evaluate((sel) => {
        const right = Math.max(...[...document.querySelectorAll(sel)].map((el) => el.getBoundingClientRect().right));
        return right / window.innerWidth;
      }, selector);
    expect(await reach('.column')).toBeGreaterThan(0.95);
    await page.goto(`${server.dashboardUrl}/tasks/held`);
    await page.locator('.timeline li').first().waitFor();
    await shot(page, 'wide-task');
    expect(await reach('.task-page > *')).toBeGreaterThan(0.9);
    await page.goto(`${server.dashboardUrl}/slots`);
    await page.locator('tr.slot.held').first().waitFor();
    expect(await reach('table.slots')).toBeGreaterThan(0.9);
    await page.goto(`${server.dashboardUrl}/throughput`);
    await page.locator('figure.chart svg').waitFor();
    expect(await reach('figure.chart svg')).toBeGreaterThan(0.9);
  });

  it('the graph: a minimap with the nodes, edges that go around nodes, not through them', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    // a → b → c → d and a → d: the long edge skips b and c, on the same row in a naive drawing.
    await server.http.post('/api/v1/tasks', {
      tasks: [
        { id: 'a', description: 'a' },
        { id: 'b', description: 'b', dependencies: ['a'] },
        { id: 'c', description: 'c', dependencies: ['b'] },
        { id: 'd', description: 'd', dependencies: ['c', 'a'] },
        { id: 'e', description: 'e', dependencies: ['a'] },
        { id: 'f', description: 'f', dependencies: ['e', 'b'] },
      ],
    });
    const { page, problems } = await open(server, '/graph');
    await page.locator('.react-flow__node').first().waitFor();
    await page.locator('.react-flow__edge path').first().waitFor();
    await shot(page, 'graph');
    const nodes = await page.locator('.react-flow__node').count();
    expect(nodes).toBe(6);
    // The minimap, if there is one, draws every node.
    const minimap = await page.locator('.react-flow__minimap').count();
    if (minimap > 0) expect(await page.locator('.react-flow__minimap-node').count()).toBe(nodes);

    const crossings = await page.evaluate(() => {
      const boxes = [...document.querySelectorAll('.react-flow__node')].map((n) => ({
        id: n.getAttribute('data-id'),
        r: n.getBoundingClientRect(),
      }));
      const found: string[] = [];
      for (const edge of document.querySelectorAll('.react-flow__edge')) {
        const path = edge.querySelector('path.react-flow__edge-path') as SVGPathElement | null;
        if (!path) continue;
        const [source, target] = (edge.getAttribute('data-testid') ?? '').replace('rf__edge-', '').split('->');
        const matrix = path.getScreenCTM()!;
        const length = path.getTotalLength();
        for (let at = 0; at <= length; at += 4) {
          const p = path.getPointAtLength(at);
          const x = matrix.a * p.x + matrix.c * p.y + matrix.e;
          const y = matrix.b * p.x + matrix.d * p.y + matrix.f;
          for (const { id, r } of boxes) {
            if (id === source || id === target) continue;
            if (x > r.left + 1 && x < r.right - 1 && y > r.top + 1 && y < r.bottom - 1) {
              found.push(`${source}->${target} crosses ${id}`);
              break;
            }
          }
        }
      }
      return [...new Set(found)];
    });
    expect(crossings).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('the audit log: newest first, one line per date, the token name; a failed task page shows no holder', async () => {
    const server = await startTestServer({
      dashboardPort: 0,
      dashboardDir: ui.dist,
      token: 'main-secret',
      tokens: [{ name: 'ops', secret: 'ops-secret' }],
    });
    const ops = client(server.apiUrl, 'ops-secret');
    await ops.post('/api/v1/tasks', { tasks: [{ id: 'one', description: 'first', maxAttempts: 1 }] });
    await server.http.post('/api/v1/claim-next', { workerId: 'alice' });
    await server.http.post('/api/v1/tasks/one/fail', { workerId: 'alice', error: 'broke' });
    const { page } = await open(server, '/audit');
    await page.getByLabel('Token', { exact: true }).fill('main-secret');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('tr[data-event-type="task.failed"]').waitFor();
    await shot(page, 'audit');
    const seqs = await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
    expect(seqs.length).toBeGreaterThan(2);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const rows = await page.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => {
        // An inline element has one box per line it runs over.
        const when = tr.querySelector('td.when time') as HTMLElement;
        return {
          type: tr.getAttribute('data-event-type'),
          token: (tr.querySelector('td.token') as HTMLElement).textContent,
          whenLines: when.getClientRects().length,
        };
      }),
    );
    for (const row of rows) expect(row.whenLines, `${row.type}: the date wraps`).toBe(1);
    expect(rows.find((r) => r.type === 'task.added')!.token).toBe('ops');
    // The server's unnamed TC_TOKEN is recorded under a name too, never a bare dash.
    expect(rows.find((r) => r.type === 'task.failed')!.token).toBe('default');

    await page.goto(`${server.dashboardUrl}/tasks/one`);
    await page.locator('dt', { hasText: 'Attempts' }).waitFor();
    expect(await page.locator('dt', { hasText: 'Holder' }).count()).toBe(0);
    expect(await page.locator('dt', { hasText: 'Last held by' }).count()).toBe(1);
    await shot(page, 'failed-task');
  });

  it('the throughput chart names both of its y-axes', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: ui.dist });
    await server.http.post('/api/v1/tasks', { id: 't', description: 't' });
    await server.http.post('/api/v1/claim-next', { workerId: 'w' });
    await server.http.post('/api/v1/tasks/t/complete', { workerId: 'w' });
    const { page } = await open(server, '/throughput');
    await page.locator('figure.chart svg').waitFor();
    await shot(page, 'throughput');
    const titles = await page.locator('svg .axis-title').allTextContents();
    expect(titles).toEqual(['tasks finished per minute', 'queue depth (available)']);
  });
});
