// The property test against a real PostgreSQL: memory and PostgreSQL stores side by side under random commands.
import { describe } from 'vitest';
import { describeReservationProperty, describeStorePropertyTest } from '@task-coordinator/core/testing';
import { openPostgresStore } from '@task-coordinator/store-postgres';
import { DATABASE_URL, freshSchema, HAS_PG } from './helpers.js';

describe.skipIf(!HAS_PG)('postgres', () => {
  describeStorePropertyTest({
    name: 'PostgreSQL',
    // Fewer runs than SQLite: each opens and migrates a schema on a real server.
    runs: Number(process.env.TC_PROPERTY_RUNS ?? 100),
    create: (options) =>
      openPostgresStore({ connectionString: DATABASE_URL, schema: freshSchema('prop'), poolSize: 2, ...options }),
  });
  describeReservationProperty({
    name: 'PostgreSQL',
    runs: Number(process.env.TC_PROPERTY_RUNS ?? 30),
    create: (options) =>
      openPostgresStore({ connectionString: DATABASE_URL, schema: freshSchema('files'), poolSize: 2, ...options }),
  });
});
