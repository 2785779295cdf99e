// Questions, answers, reviews, notes, Needs-you and agents over real HTTP, and how original endpoints see them.
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

/** Polls `read` until `ok` holds (bounded): waiting on a condition, never on time. */
async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (ok(value)) return value;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}

describe('REST: people in the loop', () => {
  it("an agent's waiting question returns the answer a person gives; Needs-you shows it meanwhile", async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', { id: 't', description: 'pick a database' });
    await http.post('/api/v1/claim-next', { workerId: 'agent' });
    const pending = http.post('/api/v1/tasks/t/questions', {
      workerId: 'agent',
      question: 'SQLite or PostgreSQL?',
      options: ['SQLite', 'PostgreSQL'],
      wait: 30,
    });
    const needs = await until(
      async () => (await http.get('/api/v1/needs-you')).body,
      (body) => body.count === 1,
    );
    expect(needs.questions[0]).toMatchObject({
      id: 't',
      status: 'waiting',
      question: { text: 'SQLite or PostgreSQL?', options: ['SQLite', 'PostgreSQL'] },
    });
    const answered = await http.post('/api/v1/tasks/t/answer', { option: 1, by: 'ann' });
    expect(answered.status).toBe(200);
    expect(answered.body.task).toMatchObject({ status: 'working', answer: { text: 'PostgreSQL', answeredBy: 'ann' } });
    const asked = await pending;
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ task: { status: 'working' }, answer: { text: 'PostgreSQL', option: 1 } });
    expect((await http.get('/api/v1/needs-you')).body.count).toBe(0);
    const history = (await http.get('/api/v1/tasks/t/history')).body.events.map((e: { type: string }) => e.type);
    expect(history).toEqual(expect.arrayContaining(['task.question_asked', 'task.answered']));
  });

  it('a wait without an answer returns "no answer yet" (null); a later get_task picks the answer up', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', { id: 't', description: 't' });
    await http.post('/api/v1/claim-next', { workerId: 'agent' });
    const asked = await http.post('/api/v1/tasks/t/questions', { workerId: 'agent', question: 'ok?', wait: 0 });
    expect(asked.body).toMatchObject({ task: { status: 'waiting' }, answer: null });
    await http.post('/api/v1/tasks/t/answer', { answer: 'yes' });
    expect((await http.get('/api/v1/tasks/t')).body.task).toMatchObject({ status: 'working', answer: { text: 'yes' } });
  });

  it('errors: a question on a task you do not hold is 409 LEASE_LOST; answering a task not waiting is 409 INVALID_TRANSITION', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', { id: 't', description: 't' });
    await http.post('/api/v1/claim-next', { workerId: 'agent' });
    const lost = await http.post('/api/v1/tasks/t/questions', { workerId: 'other', question: 'mine?' });
    expect(lost.status).toBe(409);
    expect(lost.body.error.code).toBe('LEASE_LOST');
    const notWaiting = await http.post('/api/v1/tasks/t/answer', { answer: 'x' });
    expect(notWaiting.status).toBe(409);
    expect(notWaiting.body.error.code).toBe('INVALID_TRANSITION');
    const notReview = await http.post('/api/v1/tasks/t/approve', {});
    expect(notReview.status).toBe(409);
    expect(notReview.body.error.code).toBe('INVALID_TRANSITION');
    const bad = await http.post('/api/v1/tasks/t/notes', { text: '' });
    expect(bad.status).toBe(400);
  });

  it('review gate: done → review (Needs-you), approve → done with dependents unblocked; reject sends back with a note', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'a', description: 'a', review: true },
        { id: 'b', description: 'b', dependencies: ['a'] },
      ],
    });
    await http.post('/api/v1/claim-next', { workerId: 'agent' });
    await http.post('/api/v1/tasks/a/start', { workerId: 'agent', progress: 'writing tests' });
    const done = await http.post('/api/v1/tasks/a/complete', { workerId: 'agent', output: 'pr #1' });
    expect(done.body).toMatchObject({ task: { status: 'review' }, unblocked: [] });
    expect((await http.get('/api/v1/needs-you')).body.reviews.map((t: { id: string }) => t.id)).toEqual(['a']);
    const rejected = await http.post('/api/v1/tasks/a/reject', { note: 'add a changelog entry', by: 'ann' });
    expect(rejected.body.task).toMatchObject({ status: 'available', notes: [{ kind: 'rejection' }] });
    const again = await http.post('/api/v1/claim-next', { workerId: 'agent2' });
    expect(again.body.handoff).toMatchObject({ progress: 'writing tests', notes: [{ text: 'add a changelog entry' }] });
    await http.post('/api/v1/tasks/a/complete', { workerId: 'agent2' });
    const approved = await http.post('/api/v1/tasks/a/approve', { by: 'ann' });
    expect(approved.body).toMatchObject({ task: { status: 'done' }, unblocked: ['b'] });
    const note = await http.post('/api/v1/tasks/b/notes', { text: 'start from the changelog', by: 'ann' });
    expect(note.status).toBe(201);
    expect(note.body.task.notes).toHaveLength(1);
  });

  it('agents list: each worker with its state, task and progress', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', { id: 't', description: 't' });
    await http.post('/api/v1/claim-next', { workerId: 'agent' });
    await http.post('/api/v1/tasks/t/start', { workerId: 'agent', progress: 'half way' });
    await http.post('/api/v1/slots', { workerId: 'idler' });
    const { agents } = (await http.get('/api/v1/agents')).body;
    expect(agents).toMatchObject([
      { workerId: 'agent', state: 'active', taskId: 't', taskStatus: 'working', progress: 'half way' },
      { workerId: 'idler', state: 'idle', taskId: null },
    ]);
  });

  it('original endpoints see waiting and review as still held (working); the OpenAPI document lists the new routes and statuses', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'q', description: 'q' },
        { id: 'r', description: 'r', review: true },
      ],
    });
    await http.post('/api/v1/tasks/q/claim', {
      workerId: 'w',
      slot: (await http.post('/api/v1/slots', { workerId: 'w' })).body.slot.slot,
    });
    await http.post('/api/v1/tasks/q/questions', { workerId: 'w', question: '?' });
    await http.post('/api/v1/tasks/r/claim', {
      workerId: 'v',
      slot: (await http.post('/api/v1/slots', { workerId: 'v' })).body.slot.slot,
    });
    await http.post('/api/v1/tasks/r/complete', { workerId: 'v' });
    const all = (await http.get('/api/all-tasks')).body.tasks;
    expect(all.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual([
      ['q', 'working'],
      ['r', 'working'],
    ]);
    const doc = (await http.get('/api/openapi.json')).body;
    for (const path of [
      '/tasks/{id}/questions',
      '/tasks/{id}/answer',
      '/tasks/{id}/approve',
      '/tasks/{id}/reject',
      '/tasks/{id}/notes',
      '/needs-you',
      '/agents',
    ])
      expect(Object.keys(doc.paths)).toContain(`/api/v1${path}`);
    expect(JSON.stringify(doc)).toContain('"waiting"');
    expect(JSON.stringify(doc)).toContain('"review"');
  });
});
