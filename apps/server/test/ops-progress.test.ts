// Progress bars of the operator commands: backup, export and import draw one on the given stream and end at 100%;
// without a stream (a pipe, a script) they draw nothing.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '@task-coordinator/store-sqlite';
import { runOpsCommand } from '../src/ops-cli.js';
import { tempDb } from './helpers.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

async function boardFile(tasks: number): Promise<string> {
  const db = tempDb();
  const store = await openSqliteStore({ file: db });
  for (let i = 0; i < tasks; i += 1000)
    await store.addTasks({
      tasks: Array.from({ length: Math.min(1000, tasks - i) }, (_, j) => ({
        id: `t${i + j}`,
        description: `task ${i + j}`,
      })),
    });
  await store.close();
  return db;
}

describe('operator progress bars', () => {
  it('export, import and backup draw a bar that reaches 100%; with no stream, nothing', async () => {
    const db = await boardFile(3000);
    const out: string[] = [];
    const file = `${tempDb()}.jsonl`;
    const exported = capture();
    await runOpsCommand(['export', file, '--db', db], { out: (t) => out.push(t), env: {}, progress: exported.stream });
    expect(exported.text()).toMatch(/export .*100% 6000\/6000 records/);

    const imported = capture();
    await runOpsCommand(['import', file, '--db', tempDb()], {
      out: (t) => out.push(t),
      env: {},
      progress: imported.stream,
    });
    expect(imported.text()).toMatch(/import .*100% /);
    expect(out.join('')).toContain('imported 3000 tasks');

    const backedUp = capture();
    await runOpsCommand(['backup', `${tempDb()}.backup`, '--db', db], {
      out: (t) => out.push(t),
      env: {},
      progress: backedUp.stream,
    });
    expect(backedUp.text()).toMatch(/backup .*100% (\d+)\/\1 pages/);

    const quiet: string[] = [];
    await runOpsCommand(['backup', `${tempDb()}.backup`, '--db', db], { out: (t) => quiet.push(t), env: {} });
    expect(quiet.join('')).toMatch(/^backed up /);
  });
});
