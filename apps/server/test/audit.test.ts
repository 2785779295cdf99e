// The audit query over HTTP: GET /api/v1/events filters and cursor, and the CSV / JSON / JSON Lines export.
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

async function board() {
  const server = await startTestServer();
  const { http } = server;
  await http.post('/api/v1/tasks', {
    tasks: [
      { id: 'a', description: '=HYPERLINK("evil")' },
      { id: 'b', description: 'b, with "quotes"' },
    ],
  });
  await http.post('/api/v1/tasks', { project: 'other', id: 'a', description: 'elsewhere' });
  await http.post('/api/v1/claim-next', { workerId: 'w1' });
  await http.post('/api/v1/tasks/a/complete', { workerId: 'w1', output: 'done' });
  await http.post('/api/v1/claim-next', { workerId: 'w2' });
  await http.post('/api/v1/tasks/b/fail', { workerId: 'w2', error: 'line one\nline two' });
  return server;
}

describe('GET /api/v1/events (audit)', () => {
  it('filters by task, worker, type, project and time', async () => {
    const { http } = await board();
    const types = async (query: string) =>
      ((await http.get(`/api/v1/events?${query}`)).body.events as Array<{ type: string }>).map((e) => e.type);
    expect(await types('taskId=a&project=default')).toEqual(['task.added', 'task.claimed', 'task.completed']);
    expect(await types('workerId=w2')).toEqual(['slot.claimed', 'task.claimed', 'task.failed']);
    expect(await types('type=task.completed,task.failed')).toEqual(['task.completed', 'task.failed']);
    expect(await types('type=task.added&type=task.failed&project=other')).toEqual(['task.added']);
    const all = (await http.get('/api/v1/events')).body.events as Array<{ at: number }>;
    const future = all.at(-1)!.at + 60_000;
    expect(await types(`since=${future}`)).toEqual([]);
    expect((await types(`until=${new Date(future).toISOString()}`)).length).toBe(all.length);
    const bad = await http.get('/api/v1/events?type=task.exploded');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect((await http.get('/api/v1/events?since=last-tuesday')).status).toBe(400);
  });

  it('pages with nextCursor until null, covering every match once', async () => {
    const { http } = await board();
    const seen: number[] = [];
    let cursor: string | null = '0';
    for (let pages = 0; cursor !== null && pages < 20; pages++) {
      const { body }: { body: { events: Array<{ seq: number }>; nextCursor: string | null } } = await http.get(
        `/api/v1/events?project=default&limit=2&afterSeq=${cursor}`,
      );
      seen.push(...body.events.map((e) => e.seq));
      cursor = body.nextCursor;
    }
    const { body } = await http.get('/api/v1/events?project=default&limit=1000');
    expect(body.nextCursor).toBeNull();
    expect(seen).toEqual((body.events as Array<{ seq: number }>).map((e) => e.seq));
  });
});

describe('GET /api/v1/events/export', () => {
  it('CSV: a header, one quoted row per event, formulas defused', async () => {
    const { http } = await board();
    const res = await http.get('/api/v1/events/export?project=default&type=task.added,task.failed');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="task-coordinator-events-.*\.csv"$/);
    const text = res.body as string;
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('seq,at,type,project,taskId,workerId,slot,data');
    expect(lines[1]).toMatch(/^\d+,\d{4}-\d\d-\d\dT[^,]+Z,task\.added,default,a,,,"\{/);
    // The description is inside the JSON data cell; that cell starts with "{", never "=".
    expect(text).toContain('""description"":""=HYPERLINK(\\""evil\\"")""');
    expect(text).toContain('task.failed,default,b,w2,2,');
    expect(lines.filter((l) => l !== '').length).toBe(4);
  });

  it('JSON and JSON Lines hold exactly what /events answers', async () => {
    const { http } = await board();
    const expected = (await http.get('/api/v1/events?workerId=w1')).body.events;
    const json = await http.get('/api/v1/events/export?format=json&workerId=w1');
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(json.body).toEqual(expected);
    const jsonl = await http.get('/api/v1/events/export?format=jsonl&workerId=w1');
    expect(
      (jsonl.body as string)
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(expected);
    const none = await http.get('/api/v1/events/export?format=json&workerId=nobody');
    expect(none.body).toEqual([]);
  });

  it('streams a log longer than one page, in order', async () => {
    const { http } = await startTestServer();
    const tasks = Array.from({ length: 2500 }, (_, i) => ({ id: `t${i}`, description: `task ${i}` }));
    await http.post('/api/v1/tasks', { tasks });
    const res = await http.get('/api/v1/events/export?format=jsonl&type=task.added');
    const events = (res.body as string)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { taskId: string; seq: number });
    expect(events.length).toBe(2500);
    expect(events.map((e) => e.taskId)).toEqual(tasks.map((t) => t.id));
  });

  it('a bad filter or format is a 400 with a code, not a broken download', async () => {
    const { http } = await board();
    for (const query of ['format=xml', 'type=nope', 'until=soon', 'limit=5']) {
      const res = await http.get(`/api/v1/events/export?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});
