// The dashboard port: the built dashboard's files and the same API, from one origin.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { client, startTestServer } from './helpers.js';

const dist = mkdtempSync(join(tmpdir(), 'tc-dashboard-dist-'));
mkdirSync(join(dist, 'assets'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Task Coordinator</title><div id="root"></div>');
writeFileSync(join(dist, 'assets', 'app.js'), 'console.log("dashboard")');
afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe('dashboard port', () => {
  it('serves the built files, the app shell for client-side routes, and the same API', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: dist });
    expect(server.dashboardUrl).not.toBeNull();
    const page = client(server.dashboardUrl as string);
    const index = await page.get('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.body).toContain('<div id="root">');
    expect((await page.get('/assets/app.js')).body).toContain('dashboard');
    expect((await page.get('/tasks/some-task')).body).toContain('<div id="root">');
    await server.http.post('/api/v1/tasks', { id: 'shared', description: 'one board' });
    expect((await page.get('/api/v1/tasks/shared')).body.task.id).toBe('shared');
    expect((await page.get('/api/all-tasks')).body.tasks).toHaveLength(1);
    const missing = await page.get('/api/v1/unknown');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it('the API port serves no pages', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: dist });
    const res = await server.http.get('/');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('with a token, the page itself loads (so it can ask for the token) but its data does not', async () => {
    const server = await startTestServer({ dashboardPort: 0, dashboardDir: dist, token: 'dash-token' });
    const anonymous = client(server.dashboardUrl as string);
    expect((await anonymous.get('/')).status).toBe(200);
    expect((await anonymous.get('/assets/app.js')).status).toBe(200);
    expect((await anonymous.get('/api/v1/tasks')).status).toBe(401);
    expect((await anonymous.get('/api/all-tasks')).status).toBe(401);
    expect((await anonymous.post('/anything', {})).status).toBe(401);
  });
});
