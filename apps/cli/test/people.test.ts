// tcx for people in the loop against a real server: answer a waiting agent's question, approve or send back a review.
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/index.js';
import { server, tcx } from './helpers.js';

async function ask(apiUrl: string, taskId: string, question: string, options?: string[]): Promise<void> {
  const res = await fetch(`${apiUrl}/api/v1/tasks/${taskId}/questions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workerId: 'agent-1', question, ...(options ? { options } : {}), wait: 0 }),
  });
  expect(res.status).toBe(200);
}

describe('answer, approve, reject', () => {
  it('answers a waiting task in free text or by option; the task is working again', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add'], {
      stdin: '[{"id":"db","description":"Pick a database"},{"id":"q2","description":"Q"}]',
    });
    await tcx(s.apiUrl, ['claim', 'db', '--worker', 'agent-1']);
    await ask(s.apiUrl, 'db', 'SQLite or PostgreSQL?', ['SQLite', 'PostgreSQL']);
    expect((await tcx(s.apiUrl, ['ls', '--json'])).stdout).toContain('"waiting"');
    const answered = await tcx(s.apiUrl, ['answer', 'db', '--option', '1']);
    expect(answered).toMatchObject({ code: 0, stdout: 'db ◑ working\n' });
    const shown = JSON.parse((await tcx(s.apiUrl, ['show', 'db', '--json'])).stdout);
    expect(shown.task).toMatchObject({ status: 'working', answer: { text: 'PostgreSQL', option: 1 } });

    await ask(s.apiUrl, 'db', 'Which schema name?');
    const free = JSON.parse((await tcx(s.apiUrl, ['answer', 'db', 'use', 'tc_main', '--json'])).stdout);
    expect(free.task).toMatchObject({ status: 'working', answer: { text: 'use tc_main' } });

    // Nothing is waiting any more: the board refuses, exit 4, and nothing changes.
    const late = await tcx(s.apiUrl, ['answer', 'db', 'again']);
    expect(late.code).toBe(EXIT.CONFLICT);
    expect(late.stderr).toMatch(/^INVALID_TRANSITION: /);
    expect((await tcx(s.apiUrl, ['answer', 'db'])).code).toBe(EXIT.USAGE);
    expect((await tcx(s.apiUrl, ['answer', 'db', 'x', '--option', '0'])).code).toBe(EXIT.USAGE);
  });

  it('approve makes a reviewed task done and unblocks its dependents; reject sends it back with the note', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add'], {
      stdin:
        '[{"id":"docs","description":"Write docs","review":true},{"id":"ship","description":"Ship","dependencies":["docs"]},' +
        '{"id":"api","description":"API","review":true}]',
    });
    await tcx(s.apiUrl, ['claim', 'docs', '--worker', 'agent-1']);
    await tcx(s.apiUrl, ['done', 'docs', '--worker', 'agent-1', '-o', 'guide.md']);
    const inReview = JSON.parse((await tcx(s.apiUrl, ['show', 'docs', '--json'])).stdout);
    expect(inReview.task.status).toBe('review');
    expect((await tcx(s.apiUrl, ['approve', 'docs'])).stdout).toBe('docs ● done\n');
    const ship = JSON.parse((await tcx(s.apiUrl, ['show', 'ship', '--json'])).stdout);
    expect(ship.task.status).toBe('available');
    // Approving again: it is not in review.
    expect((await tcx(s.apiUrl, ['approve', 'docs'])).code).toBe(EXIT.CONFLICT);

    await tcx(s.apiUrl, ['claim', 'api', '--worker', 'agent-2']);
    await tcx(s.apiUrl, ['done', 'api', '--worker', 'agent-2']);
    expect((await tcx(s.apiUrl, ['reject', 'api'])).code).toBe(EXIT.USAGE);
    expect((await tcx(s.apiUrl, ['reject', 'api', '--note', 'add the error codes'])).stdout).toBe('api ◇ available\n');
    const back = JSON.parse((await tcx(s.apiUrl, ['show', 'api', '--json'])).stdout);
    expect(back.task.status).toBe('available');
    expect(JSON.stringify(back.task.notes)).toContain('add the error codes');
  });
});
