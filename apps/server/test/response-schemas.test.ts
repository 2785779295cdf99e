// Every /api/v1 answer checked against the response schema its route declares (the schema the
// OpenAPI document publishes): real answers of a real server, one workflow through every route.
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../src/routes/v1/index.js';
import { startTestServer, type Reply } from './helpers.js';

describe('REST answers fit their declared response schemas', () => {
  it('every operation, on a workflow that reaches each one', async () => {
    const { http } = await startTestServer({ slots: 3 });
    const checked = new Set<string>();
    const check = <T>(operationId: string, reply: Reply<T>): T => {
      const route = ROUTES.find((r) => r.operationId === operationId);
      if (!route) throw new Error(`no route ${operationId}`);
      expect(reply.status, `${operationId}: ${JSON.stringify(reply.body)}`).toBeLessThan(300);
      const parsed = route.response.safeParse(reply.body);
      expect(parsed.success, `${operationId}: ${parsed.error?.message}`).toBe(true);
      checked.add(operationId);
      return reply.body;
    };
    check('addTasks', await http.post('/api/v1/tasks', { id: 'one', description: 'x', labels: ['l'] }));
    check(
      'addTasks',
      await http.post('/api/v1/tasks', {
        tasks: [
          { id: 'a', description: 'x' },
          { id: 'b', description: 'x', dependencies: ['a'] },
          { id: 'c', description: 'x' },
        ],
      }),
    );
    check(
      'loadPlan',
      await http.post('/api/v1/plans', { plan: { tasks: [{ id: 'p1', description: 'x' }] }, prefix: 'run-' }),
    );
    check('listTasks', await http.get('/api/v1/tasks?limit=2'));
    check('getTask', await http.get('/api/v1/tasks/b'));
    check('editTask', await http.patch('/api/v1/tasks/one', { priority: 5 }));
    const { slot } = check<any>('claimSlot', await http.post('/api/v1/slots', { workerId: 'w' })).slot;
    check('listSlots', await http.get('/api/v1/slots'));
    check('claimTask', await http.post('/api/v1/tasks/one/claim', { workerId: 'w', slot }));
    check('startTask', await http.post('/api/v1/tasks/one/start', { workerId: 'w' }));
    check('heartbeat', await http.post('/api/v1/heartbeat', { workerId: 'w' }));
    check('completeTask', await http.post('/api/v1/tasks/one/complete', { workerId: 'w', output: 'o' }));
    check('claimNextTask', await http.post('/api/v1/claim-next', { workerId: 'w' }));
    check('failTask', await http.post('/api/v1/tasks/a/fail', { workerId: 'w', error: 'e' }));
    check('resetTask', await http.post('/api/v1/tasks/a/reset', {}));
    check('claimNextTask', await http.post('/api/v1/claim-next', { workerId: 'w' }));
    check('releaseTask', await http.post('/api/v1/tasks/a/release', { workerId: 'w' }));
    check('cancelTask', await http.post('/api/v1/tasks/c/cancel', { reason: 'not needed' }));
    check('releaseSlot', await http.post(`/api/v1/slots/${slot}/release`, { workerId: 'w' }));
    check('claimNextTask', await http.post('/api/v1/claim-next', { workerId: 'idle', labels: ['none'] }));
    check('taskHistory', await http.get('/api/v1/tasks/one/history'));
    check('listEvents', await http.get('/api/v1/events?afterSeq=0&limit=5'));
    check('exportEvents', await http.get('/api/v1/events/export?format=jsonl'));
    check('stats', await http.get('/api/v1/stats'));
    check('throughput', await http.get('/api/v1/stats/throughput'));
    // People in the loop: a question answered, a note, a review approved and one sent back.
    check(
      'addTasks',
      await http.post('/api/v1/tasks', {
        tasks: [
          { id: 'q', description: 'x' },
          { id: 'r', description: 'x', review: true },
          { id: 's', description: 'x', review: true },
        ],
      }),
    );
    const held = check<any>('claimSlot', await http.post('/api/v1/slots', { workerId: 'h' })).slot.slot;
    check('claimTask', await http.post('/api/v1/tasks/q/claim', { workerId: 'h', slot: held }));
    check('askQuestion', await http.post('/api/v1/tasks/q/questions', { workerId: 'h', question: 'which?', wait: 0 }));
    check('needsYou', await http.get('/api/v1/needs-you'));
    check('answerQuestion', await http.post('/api/v1/tasks/q/answer', { answer: 'this one' }));
    check('addNote', await http.post('/api/v1/tasks/q/notes', { text: 'tried the other' }));
    // File reservations on the held task.
    check(
      'reserveFiles',
      await http.post('/api/v1/tasks/q/reservations', { workerId: 'h', patterns: ['src/**', 'a.md'] }),
    );
    check('listReservations', await http.get('/api/v1/reservations?worker=h'));
    check('checkFiles', await http.post('/api/v1/reservations/check', { paths: ['src/x.ts', 'b.md'], workerId: 'w' }));
    check('releaseFiles', await http.delete('/api/v1/tasks/q/reservations', { workerId: 'h', patterns: ['a.md'] }));
    check('listAgents', await http.get('/api/v1/agents'));
    check('completeTask', await http.post('/api/v1/tasks/q/complete', { workerId: 'h' }));
    for (const id of ['r', 's']) {
      check('claimTask', await http.post(`/api/v1/tasks/${id}/claim`, { workerId: 'h', slot: held }));
      check('completeTask', await http.post(`/api/v1/tasks/${id}/complete`, { workerId: 'h' }));
    }
    check('approveTask', await http.post('/api/v1/tasks/r/approve', {}));
    check('rejectTask', await http.post('/api/v1/tasks/s/reject', { note: 'add tests' }));
    check('cancelTask', await http.post('/api/v1/tasks/s/cancel', {}));
    check('resetTasks', await http.post('/api/v1/tasks/reset', { taskIds: ['s', 'c'] }));
    check('cleanAll', await http.post('/api/v1/clean-all', {}));
    expect([...checked].sort()).toEqual(ROUTES.map((r) => r.operationId).sort());
  });
});
