// The server on PostgreSQL (--database-url): the same API, health naming the store.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

const url = process.env.TC_TEST_DATABASE_URL ?? '';
const schemas: string[] = [];
afterAll(async () => {
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

describe.skipIf(!url)('server on PostgreSQL', () => {
  it('serves the API from PostgreSQL and says so in /api/health', async () => {
    const schema = `tc_server_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    const { http, logged } = await startTestServer({ databaseUrl: url, databaseSchema: schema, slots: 8 });
    expect((await http.get('/api/health')).body).toMatchObject({
      status: 'ok',
      store: { kind: 'postgres', reachable: true },
    });
    // An operator hears at startup when the database reclaims nothing by itself.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const { rows } = await admin.query<{ autovacuum: string }>('SHOW autovacuum');
    await admin.end();
    expect(logged.some((line) => line.startsWith('autovacuum is off'))).toBe(rows[0]?.autovacuum === 'off');
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'a', description: 'a' },
        { id: 'b', description: 'b', dependencies: ['a'] },
      ],
    });
    const claim = await http.post('/api/v1/claim-next', { workerId: 'w' });
    expect(claim.body.task.id).toBe('a');
    expect((await http.post('/api/v1/tasks/a/complete', { workerId: 'w' })).body.unblocked).toEqual(['b']);
    const waiting = http.post('/api/v1/claim-next', { workerId: 'v', wait: 10 });
    expect((await waiting).body.task.id).toBe('b');
    expect((await http.post('/api/claim-worker-slot')).body).toMatchObject({ success: true });
  });
});
