// A group's statements carry their values as SQL literals (transaction.ts): every value must reach
// PostgreSQL exactly as the driver's parameters would, whatever text a user put in it.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { literal } from '../src/transaction.js';
import { DATABASE_URL, HAS_PG } from './helpers.js';

const HOSTILE = [
  '',
  "it's",
  "'); DROP TABLE tasks; --",
  'back\\slash',
  '\\',
  "\\'",
  'quote " inside',
  '{braces},comma',
  'NULL',
  'null',
  '  spaced  ',
  'line\nbreak\ttab',
  'ünïcødé ✓ 日本語 🙂',
  '$1 $$ $fn$',
  "E'x'",
];

describe('literal', () => {
  it('refuses what it cannot write faithfully', () => {
    expect(() => literal(Number.NaN)).toThrow(TypeError);
    expect(() => literal(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => literal({ a: 1 })).toThrow(TypeError);
    expect(() => literal([{ a: 1 }])).toThrow(TypeError);
  });
});

describe.skipIf(!HAS_PG)('literal, read back by PostgreSQL', () => {
  it('strings, arrays, numbers and nulls arrive as the driver would send them', async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      for (const text of HOSTILE) {
        const { rows } = await client.query<{ s: string; j: unknown }>(
          `SELECT ${literal(text)}::text AS s, ${literal(JSON.stringify({ text }))}::jsonb AS j`,
        );
        expect(rows[0]).toEqual({ s: text, j: { text } });
      }
      const { rows } = await client.query<{ a: Array<string | null>; n: number[]; i: number; b: string; z: null }>(
        `SELECT ${literal([...HOSTILE, null])}::text[] AS a, ${literal([1, -2, 3])}::int[] AS n, ${literal(-42)}::int AS i, ${literal(1_700_000_000_123)}::bigint AS b, ${literal(null)}::text AS z`,
      );
      expect(rows[0]).toEqual({ a: [...HOSTILE, null], n: [1, -2, 3], i: -42, b: '1700000000123', z: null });
      // Under the old escaping rules too (backslashes in plain literals are escapes there).
      await client.query('SET standard_conforming_strings = off');
      for (const text of HOSTILE) {
        const { rows: again } = await client.query<{ s: string; a: string[] }>(
          `SELECT ${literal(text)}::text AS s, ${literal([text])}::text[] AS a`,
        );
        expect(again[0]).toEqual({ s: text, a: [text] });
      }
    } finally {
      await client.end();
    }
  });
});
