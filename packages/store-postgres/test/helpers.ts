// PostgreSQL test helpers: TC_TEST_DATABASE_URL, and a fresh schema per store so files run in parallel.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';

export const DATABASE_URL = process.env.TC_TEST_DATABASE_URL ?? '';

/** describe.skipIf(!HAS_PG): PostgreSQL tests run only when TC_TEST_DATABASE_URL is set (CI sets it). */
export const HAS_PG = DATABASE_URL !== '';

const schemas: string[] = [];

/** A new schema name, dropped when the test file ends. */
export function freshSchema(prefix: string): string {
  const name = `tc_${prefix}_${randomBytes(5).toString('hex')}`;
  schemas.push(name);
  return name;
}

afterAll(async () => {
  if (!HAS_PG || !schemas.length) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
});
