// End-to-end helpers: the dashboard built from its current sources, a real server serving it on a
// dashboard port, and Debian's headless Chromium driven by playwright-core.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const CHROMIUM = process.env.TC_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

const here = dirname(fileURLToPath(import.meta.url));
export const dashboardRoot = join(here, '..', '..');
/** Screenshots for people to look at (gitignored): <repo>/screenshots. */
export const screenshotDir = join(dashboardRoot, '..', '..', 'screenshots');

/** Builds the dashboard into a temporary folder (the tests exercise these sources, not a stale dist). */
export async function buildDashboard(): Promise<string> {
  const { build } = await import('vite');
  const outDir = mkdtempSync(join(tmpdir(), 'tc-dashboard-'));
  await build({
    root: dashboardRoot,
    configFile: join(dashboardRoot, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  return outDir;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Page errors and CSP violations, collected so a test can assert there were none. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  return problems;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: false });
}

/** One test file's browser: the dashboard built and Chromium launched once, pages closed after each test. */
export interface DashboardBrowser {
  /** The built dashboard (serve it with `startTestServer({ dashboardPort: 0, dashboardDir: ui.dist })`). */
  readonly dist: string;
  /** A new page, closed after the test that opened it. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
}

/**
 * Registers the file's hooks; call it at the top level of a test file, after importing the server
 * helpers: their afterEach (which stops servers) is registered first, so it runs after this one closes
 * the pages, and no page is still reconnecting to a server that is shutting down.
 */
export function dashboardBrowser(timeoutMs = 180_000): DashboardBrowser {
  let dist = '';
  let browser: Browser | undefined;
  const pages: Page[] = [];
  beforeAll(async () => {
    if (!hasChromium) return;
    dist = await buildDashboard();
    browser = await launch();
  }, timeoutMs);
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
  });
  afterAll(async () => {
    await browser?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  });
  return {
    get dist() {
      return dist;
    },
    async newPage(viewport = { width: 1400, height: 900 }) {
      if (!browser) throw new Error('no Chromium: guard the test with hasChromium');
      const page = await browser.newPage({ viewport });
      pages.push(page);
      return page;
    },
  };
}
