// The PostgreSQL store runs the whole store contract against a real PostgreSQL (TC_TEST_DATABASE_URL).
import { describe } from 'vitest';
import { describeStoreContract } from '@task-coordinator/core/testing';
import { openPostgresStore } from '@task-coordinator/store-postgres';
import { DATABASE_URL, freshSchema, HAS_PG } from './helpers.js';

describe.skipIf(!HAS_PG)('postgres', () => {
  describeStoreContract({
    name: 'postgres',
    create: (options) =>
      openPostgresStore({ connectionString: DATABASE_URL, schema: freshSchema('contract'), poolSize: 40, ...options }),
  });
});
