// REST answers that say what went wrong and what to do instead (issue 16, "REST answers that mislead").
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

describe('REST answers that say what to do', () => {
  it('a task id with an unencoded "/" in the path gets a hint to send it as %2F', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', { id: 'feature/login', description: 'x' });
    const raw = await http.get('/api/v1/tasks/feature/login');
    expect(raw.status).toBe(404);
    expect(raw.body.error.code).toBe('NOT_FOUND');
    expect(raw.body.error.message).toContain('must be sent percent-encoded, as %2F');
    const encoded = await http.get(`/api/v1/tasks/${encodeURIComponent('feature/login')}`);
    expect(encoded.body.task.id).toBe('feature/login');
    // A path that is not about a task keeps the plain answer.
    expect((await http.get('/api/v1/nowhere')).body.error.message).toBe('no route for GET /api/v1/nowhere');
  });

  it('an empty body, or a body without a JSON content type, is named as such', async () => {
    const { http } = await startTestServer();
    const empty = await http.raw('/api/v1/tasks', { method: 'POST' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/^the request body is empty: send a JSON object with Content-Type/);
    const plain = await http.raw('/api/v1/tasks', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ id: 'a', description: 'x' }),
    });
    expect(plain.status).toBe(400);
    expect(plain.body.error.message).toContain('Content-Type: application/json (got text/plain)');
    const none = await http.raw('/api/v1/tasks', { method: 'POST', body: new Blob([JSON.stringify({ id: 'a' })]) });
    expect(none.body.error.message).toContain('no Content-Type header was sent');
    expect((await http.get('/api/v1/tasks')).body.tasks).toEqual([]);
    // A route whose fields are all optional still takes an empty body.
    expect((await http.raw('/api/v1/slots', { method: 'POST' })).status).toBe(201);
  });

  it('a repeated complete or fail with other content is a 409 showing what is stored; the same content is a retry', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'c', description: 'x' },
        { id: 'f', description: 'x' },
      ],
    });
    await http.post('/api/v1/claim-next', { workerId: 'w' });
    expect((await http.post('/api/v1/tasks/c/complete', { workerId: 'w', output: 'v1' })).status).toBe(200);
    expect((await http.post('/api/v1/tasks/c/complete', { workerId: 'w', output: 'v1' })).status).toBe(200);
    const differs = await http.post('/api/v1/tasks/c/complete', { workerId: 'w', output: 'v2' });
    expect(differs.status).toBe(409);
    expect(differs.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { stored: { output: 'v1' } } });
    expect((await http.get('/api/v1/tasks/c')).body.task.output).toBe('v1');
    await http.post('/api/v1/claim-next', { workerId: 'w' });
    expect((await http.post('/api/v1/tasks/f/fail', { workerId: 'w', error: 'e1' })).status).toBe(200);
    const failDiffers = await http.post('/api/v1/tasks/f/fail', { workerId: 'w', error: 'e2' });
    expect(failDiffers.status).toBe(409);
    expect(failDiffers.body.error.details.stored).toEqual({ error: 'e1' });
  });

  it('claiming a named task without a slot points to POST /slots and claim-next', async () => {
    const { http } = await startTestServer();
    await http.post('/api/v1/tasks', { id: 't', description: 'x' });
    const res = await http.post('/api/v1/tasks/t/claim', { workerId: 'w' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('POST /api/v1/slots');
    expect(res.body.error.message).toContain('POST /api/v1/claim-next');
    expect(res.body.error.details.issues).toEqual([{ path: 'slot', message: 'required' }]);
  });

  it('a heartbeat that renewed nothing answers leaseExpiresAt null; releasing a slot out of range names the range', async () => {
    const { http } = await startTestServer({ slots: 5 });
    await http.post('/api/v1/slots', { workerId: 'idle' });
    expect((await http.post('/api/v1/heartbeat', { workerId: 'idle' })).body).toEqual({
      workerId: 'idle',
      slots: [1],
      tasks: [],
      leaseExpiresAt: null,
    });
    const out = await http.post('/api/v1/slots/99/release', { workerId: 'idle' });
    expect(out.status).toBe(404);
    expect(out.body.error).toMatchObject({
      code: 'SLOT_NOT_FOUND',
      message: 'slot 99 does not exist: this project has slots 1-5',
    });
  });
});
