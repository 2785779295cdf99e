// The property test on a real SQLite file: memory and SQLite stores side by side under random commands.
import { afterAll } from 'vitest';
import { describeReservationProperty, describeStorePropertyTest } from '@task-coordinator/core/testing';
import { openSqliteStore } from '@task-coordinator/store-sqlite';
import { tempDir } from './helpers.js';

const tmp = tempDir('tc-property-');
afterAll(() => tmp.remove());
let files = 0;

describeStorePropertyTest({
  name: 'SQLite',
  runs: Number(process.env.TC_PROPERTY_RUNS ?? 150),
  create: (options) => openSqliteStore({ file: tmp.file(`prop-${++files}.db`), synchronous: 'NORMAL', ...options }),
});

describeReservationProperty({
  name: 'SQLite',
  runs: Number(process.env.TC_PROPERTY_RUNS ?? 60),
  create: (options) => openSqliteStore({ file: tmp.file(`files-${++files}.db`), synchronous: 'NORMAL', ...options }),
});
