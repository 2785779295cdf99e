// The SQLite store runs the whole store contract on a real file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeStoreContract } from '@task-coordinator/core/testing';
import { openSqliteStore } from '@task-coordinator/store-sqlite';

const dir = mkdtempSync(join(tmpdir(), 'tc-sqlite-contract-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract({
  name: 'sqlite',
  create: (options) => openSqliteStore({ file: join(dir, `store-${++n}.db`), ...options }),
});
