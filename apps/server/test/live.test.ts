// Long-poll claim-next and events, Socket.IO broadcast and resume, and lease expiry by the sweeper.
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '@task-coordinator/core';
import { fakeClock } from '@task-coordinator/core/testing';
import { eventually, longPollsWaiting, startTestServer } from './helpers.js';

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

function socketTo(url: string, auth: Record<string, unknown> = {}): Socket {
  const socket = connect(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  return socket;
}

function collect(socket: Socket): TaskEvent[] {
  const events: TaskEvent[] = [];
  socket.on('event', (event: TaskEvent) => events.push(event));
  return events;
}

const once = <T>(socket: Socket, name: string) => new Promise<T>((resolve) => socket.once(name, resolve));

describe('long-poll claim-next', () => {
  it('a waiting worker is woken by an add from another client and gets the task', async () => {
    const { http } = await startTestServer();
    // The wait (60 s) outlasts the test's timeout (30 s): only the wake-up can answer in time.
    const waiting = http.post('/api/v1/claim-next', { workerId: 'patient', wait: 60 });
    await longPollsWaiting(http, 1);
    expect((await http.get('/api/v1/tasks')).body.tasks).toEqual([]);
    await http.post('/api/v1/tasks', { id: 'fresh', description: 'new work' });
    const claimed = await waiting;
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ task: { id: 'fresh', worker: 'patient', status: 'claimed' } });
  });

  it('the claim of a woken waiter shares the fsync of the add that woke it: it is in the event log once the add is answered', async () => {
    const { http } = await startTestServer();
    const waiting = http.post('/api/v1/claim-next', { workerId: 'patient', wait: 60 });
    await longPollsWaiting(http, 1);
    // Armed is not yet asleep: its first attempt (nothing to claim) may still wait for its fsync.
    // A write answered after it (fsyncs come in order) means that attempt is over.
    await http.post('/api/v1/tasks', { project: 'elsewhere', tasks: [{ id: 'other', description: 'x' }] });
    await http.post('/api/v1/tasks', { id: 'fresh', description: 'new work' });
    // Woken at the add's commit, the waiter claimed before that commit's fsync started; the add is
    // answered after the fsync, which made both durable (and the log shows them) in one step.
    const log = (await http.get('/api/v1/events?taskId=fresh')).body.events as Array<{
      type: string;
      workerId: string;
    }>;
    expect(log.map((e) => e.type)).toEqual(['task.added', 'task.claimed']);
    expect((await waiting).body).toMatchObject({ task: { id: 'fresh', worker: 'patient' } });
  });

  it('a wait with no work answers {task:null} when it runs out', async () => {
    const { http } = await startTestServer();
    const res = await http.post('/api/v1/claim-next', { workerId: 'w', wait: 0.3 });
    expect(res.body).toEqual({ task: null, slot: null, resumed: false });
  });

  it('a waiter whose client disconnects is abandoned: the task goes to the next worker, nothing is held for the gone one', async () => {
    const server = await startTestServer();
    const { http } = server;
    const controller = new AbortController();
    const gone = http
      .post('/api/v1/claim-next', { workerId: 'gone', wait: 30 }, { signal: controller.signal })
      .catch((e: unknown) => e);
    await longPollsWaiting(http, 1);
    controller.abort();
    await gone;
    // The server has noticed the client left when the long-poll is no longer waiting.
    await longPollsWaiting(http, 0);
    await http.post('/api/v1/tasks', { id: 'job', description: 'x' });
    expect((await http.get('/api/v1/tasks/job')).body.task.status).toBe('available');
    expect((await http.get('/api/v1/slots')).body.slots.every((s: { free: boolean }) => s.free)).toBe(true);
    expect((await http.post('/api/v1/claim-next', { workerId: 'present' })).body.task.id).toBe('job');
  });

  it('many waiters, few tasks: each task goes to exactly one of them', async () => {
    const { http } = await startTestServer({ slots: 10 });
    const controllers = Array.from({ length: 8 }, () => new AbortController());
    const answered: Array<{ task: { id: string; worker: string } | null }> = [];
    const waiters = controllers.map((controller, i) =>
      http
        .post('/api/v1/claim-next', { workerId: `w${i}`, wait: 60 }, { signal: controller.signal })
        .then((r) => answered.push(r.body))
        .catch(() => undefined),
    );
    await longPollsWaiting(http, 8);
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'one', description: 'x' },
        { id: 'two', description: 'x' },
        { id: 'three', description: 'x' },
      ],
    });
    await eventually(() => answered.length === 3, 20_000);
    // The other five are still waiting; their clients give up.
    await longPollsWaiting(http, 5);
    for (const controller of controllers) controller.abort();
    await Promise.all(waiters);
    expect(answered.map((r) => r.task?.id).sort()).toEqual(['one', 'three', 'two']);
    expect(new Set(answered.map((r) => r.task?.worker)).size).toBe(3);
  });

  it('events long-poll: woken by the next event', async () => {
    const { http } = await startTestServer();
    // The wait (60 s) outlasts the test's timeout: only the wake-up can answer in time.
    const waiting = http.get('/api/v1/events?afterSeq=0&wait=60');
    await longPollsWaiting(http, 1);
    await http.post('/api/v1/tasks', { id: 'ping', description: 'x' });
    const res = await waiting;
    expect(res.body.events[0]).toMatchObject({ type: 'task.added', taskId: 'ping' });
    expect(res.body.lastSeq).toBe(res.body.events.at(-1).seq);
  });
});

describe('Socket.IO', () => {
  it("broadcasts every event to the project's clients, in seq order", async () => {
    const { http, apiUrl } = await startTestServer();
    const socket = socketTo(apiUrl);
    const events = collect(socket);
    await once(socket, 'ready');
    await http.post('/api/v1/tasks', {
      tasks: [
        { id: 'a', description: 'a' },
        { id: 'b', description: 'b', dependencies: ['a'] },
      ],
    });
    await http.post('/api/v1/claim-next', { workerId: 'w' });
    await http.post('/api/v1/tasks/a/complete', { workerId: 'w' });
    await eventually(() => events.length >= 6);
    expect(events.map((e) => e.type)).toEqual([
      'task.added',
      'task.added',
      'slot.claimed',
      'task.claimed',
      'task.unblocked',
      'task.completed',
    ]);
    for (let i = 1; i < events.length; i++) expect(events[i]!.seq).toBe(events[i - 1]!.seq + 1);
  });

  it('a client that reconnects with its last seq receives what it missed, in order, without gaps', async () => {
    const { http, apiUrl } = await startTestServer();
    const first = socketTo(apiUrl);
    const seen = collect(first);
    await once(first, 'ready');
    await http.post('/api/v1/tasks', { id: 'before', description: 'x' });
    await eventually(() => seen.length === 1);
    first.disconnect();
    for (let i = 0; i < 30; i++) await http.post('/api/v1/tasks', { id: `missed-${i}`, description: 'x' });

    const second = socketTo(apiUrl, { lastSeq: seen.at(-1)!.seq });
    const resumed = collect(second);
    // Events keep coming while the client catches up: none may be lost or repeated.
    const during = Promise.all(
      Array.from({ length: 10 }, (_, i) => http.post('/api/v1/tasks', { id: `during-${i}`, description: 'x' })),
    );
    const ready = await once<{ lastSeq: number }>(second, 'ready');
    await during;
    await eventually(() => resumed.length === 40);
    const seqs = resumed.map((e) => e.seq);
    expect(seqs[0]).toBe(seen.at(-1)!.seq + 1);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
    expect(ready.lastSeq).toBeGreaterThanOrEqual(seqs[29]!);
    expect(resumed.slice(0, 30).map((e) => e.taskId)).toEqual(Array.from({ length: 30 }, (_, i) => `missed-${i}`));
  });

  it('a client ahead of the store (a recreated database) is told to resync', async () => {
    const { apiUrl } = await startTestServer();
    const socket = socketTo(apiUrl, { lastSeq: 999 });
    expect(await once<{ lastSeq: number }>(socket, 'resync')).toEqual({ lastSeq: 0 });
  });

  it('a client behind events that retention has pruned is told to resync instead of resuming with a gap', async () => {
    const clock = fakeClock(Date.now());
    const { http, apiUrl, prune } = await startTestServer(
      { retainEventsMs: 60_000, retentionIntervalMs: 3_600_000 },
      { clock: clock.now },
    );
    await http.post('/api/v1/tasks', { id: 'old-1', description: 'x' });
    await http.post('/api/v1/tasks', { id: 'old-2', description: 'x' });
    clock.advance(120_000);
    await http.post('/api/v1/tasks', { id: 'new', description: 'x' });
    expect((await prune()).events).toBe(2);
    const behind = socketTo(apiUrl, { lastSeq: 1 });
    expect(await once<{ lastSeq: number }>(behind, 'resync')).toEqual({ lastSeq: 3 });
    // A client that saw everything up to the oldest retained event resumes as usual.
    const current = socketTo(apiUrl, { lastSeq: 2 });
    const seen = collect(current);
    await once(current, 'ready');
    expect(seen.map((e) => e.taskId)).toEqual(['new']);
  });

  it('clients see only their project', async () => {
    const { http, apiUrl } = await startTestServer();
    const alpha = socketTo(apiUrl, { project: 'alpha' });
    const events = collect(alpha);
    await once(alpha, 'ready');
    await http.post('/api/v1/tasks', { id: 'x', description: 'default board' });
    await http.post('/api/v1/tasks?project=alpha', { id: 'y', description: 'alpha board' });
    await eventually(() => events.length === 1);
    // A later alpha event arrives after anything the default board could have sent before it.
    await http.post('/api/v1/tasks?project=alpha', { id: 'z', description: 'alpha board' });
    await eventually(() => events.length === 2);
    expect(events.map((e) => e.taskId)).toEqual(['y', 'z']);
  });
});

describe('lease sweeper', () => {
  // The server's clock is injected and the sweep run by hand: nothing here waits on real time.
  it('a worker that stops heartbeating loses its claim and slot after one TTL; the attempt counts and history says why', async () => {
    const clock = fakeClock(Date.now());
    const { http, sweep } = await startTestServer(
      { leaseTtlMs: 1000, sweepIntervalMs: 3_600_000 },
      { clock: clock.now },
    );
    await http.post('/api/v1/tasks', { id: 'abandoned', description: 'x' });
    await http.post('/api/v1/claim-next', { workerId: 'silent' });
    clock.advance(600);
    await sweep();
    expect((await http.get('/api/v1/tasks/abandoned')).body.task.status).toBe('claimed');
    clock.advance(500);
    await sweep();
    const task = (await http.get('/api/v1/tasks/abandoned')).body.task;
    expect(task).toMatchObject({ status: 'available', attempts: 1, worker: null, slot: null });
    expect((await http.get('/api/v1/slots')).body.slots[0].free).toBe(true);
    const history = (await http.get('/api/v1/tasks/abandoned/history')).body.events;
    expect(history.at(-1)).toMatchObject({
      type: 'task.expired',
      workerId: 'silent',
      data: { to: 'available', attempts: 1 },
    });
    expect(history.at(-1).data.reason).toContain('no heartbeat from silent');
  });

  it('a worker that heartbeats keeps its claim past the TTL', async () => {
    const clock = fakeClock(Date.now());
    const { http, sweep } = await startTestServer(
      { leaseTtlMs: 1000, sweepIntervalMs: 3_600_000 },
      { clock: clock.now },
    );
    await http.post('/api/v1/tasks', { id: 'kept', description: 'x' });
    await http.post('/api/v1/claim-next', { workerId: 'alive' });
    for (let i = 0; i < 6; i++) {
      clock.advance(300);
      await sweep();
      await http.post('/api/v1/heartbeat', { workerId: 'alive' });
    }
    clock.advance(900);
    await sweep();
    expect((await http.get('/api/v1/tasks/kept')).body.task).toMatchObject({
      status: 'claimed',
      worker: 'alive',
      attempts: 0,
    });
  });
});
