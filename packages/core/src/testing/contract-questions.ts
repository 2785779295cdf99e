// Contract: questions (ask → waiting → answer → working), progress lines and what survives a handoff.
import { describe, expect, it } from 'vitest';
import { rejects, snapshot, TTL, type Harness } from './harness.js';

export function questionsContract(h: Harness): void {
  describe('questions', () => {
    it('ask: the holder → waiting, still held (slot busy, lease renewed), question_asked in the feed', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      const claim = await store.claimNextTask({ workerId: 'w' });
      await store.startTask({ taskId: 't', workerId: 'w' });
      clock.advance(3000);
      const { task } = await store.askQuestion({
        taskId: 't',
        workerId: 'w',
        question: 'Which database?',
        options: ['SQLite', 'PostgreSQL'],
      });
      expect(task).toMatchObject({
        status: 'waiting',
        worker: 'w',
        slot: claim?.slot,
        leaseExpiresAt: clock.now() + TTL,
        question: { text: 'Which database?', options: ['SQLite', 'PostgreSQL'], askedBy: 'w', askedAt: clock.now() },
        answer: null,
      });
      expect((await store.listSlots())[0]).toMatchObject({ worker: 'w', taskId: 't' });
      const [event] = await store.events({ type: ['task.question_asked'] });
      expect(event).toMatchObject({
        taskId: 't',
        workerId: 'w',
        data: { from: 'working', to: 'waiting', question: 'Which database?', options: ['SQLite', 'PostgreSQL'] },
      });
      expect((await store.taskHistory({ taskId: 't' })).map((e) => e.type)).toContain('task.question_asked');
      // The same question again (a retry, or a new wait) changes nothing but the lease.
      const before = (await store.events()).length;
      clock.advance(1000);
      const again = await store.askQuestion({
        taskId: 't',
        workerId: 'w',
        question: 'Which database?',
        options: ['SQLite', 'PostgreSQL'],
      });
      expect(again.task).toMatchObject({ status: 'waiting', leaseExpiresAt: clock.now() + TTL });
      expect((await store.events()).length).toBe(before);
      // Still held: the holder's claim-next resumes it rather than taking another task.
      await store.addTask({ id: 'other', description: 'o' });
      expect(await store.claimNextTask({ workerId: 'w' })).toMatchObject({ resumed: true, task: { id: 't' } });
    });

    it('ask on a task you do not hold is LEASE_LOST and changes nothing', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 't', description: 't' },
          { id: 'free', description: 'f' },
        ],
      });
      await store.claimTask({ taskId: 't', workerId: 'w', slot: (await store.claimSlot({ workerId: 'w' })).slot.slot });
      const before = await snapshot(store);
      const lost = await rejects(
        store.askQuestion({ taskId: 't', workerId: 'intruder', question: 'q?' }),
        'LEASE_LOST',
      );
      expect(lost.details).toMatchObject({ taskId: 't', holder: 'w' });
      await rejects(store.askQuestion({ taskId: 'free', workerId: 'w', question: 'q?' }), 'LEASE_LOST');
      await rejects(store.askQuestion({ taskId: 'missing', workerId: 'w', question: 'q?' }), 'TASK_NOT_FOUND');
      await rejects(store.askQuestion({ taskId: 't', workerId: 'w', question: '' }), 'VALIDATION_FAILED');
      await rejects(
        store.askQuestion({ taskId: 't', workerId: 'w', question: 'q?', options: ['same', 'same'] }),
        'VALIDATION_FAILED',
      );
      expect(await snapshot(store)).toEqual(before);
    });

    it('answer in free text: waiting → working, the answer kept on the task, answered in the feed', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      await store.askQuestion({ taskId: 't', workerId: 'w', question: 'Go ahead?' });
      clock.advance(5000);
      const { task } = await store.answerQuestion({ taskId: 't', answer: 'Yes, but keep the old API', by: 'ann' });
      expect(task).toMatchObject({
        status: 'working',
        worker: 'w',
        question: null,
        leaseExpiresAt: clock.now() + TTL,
        answer: { question: 'Go ahead?', text: 'Yes, but keep the old API', option: null, answeredBy: 'ann' },
      });
      const [event] = await store.events({ type: ['task.answered'] });
      expect(event).toMatchObject({
        taskId: 't',
        workerId: 'w',
        data: { from: 'waiting', to: 'working', answer: 'Yes, but keep the old API', by: 'ann' },
      });
      // The holder goes on as before.
      expect((await store.completeTask({ taskId: 't', workerId: 'w' })).task.status).toBe('done');
    });

    it('answer by option index; an option that does not exist is VALIDATION_FAILED', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      await store.askQuestion({ taskId: 't', workerId: 'w', question: 'Which?', options: ['left', 'right'] });
      const before = await snapshot(store);
      await rejects(store.answerQuestion({ taskId: 't', option: 2 }), 'VALIDATION_FAILED');
      await rejects(store.answerQuestion({ taskId: 't', option: 1, answer: 'x' }), 'VALIDATION_FAILED');
      await rejects(store.answerQuestion({ taskId: 't' }), 'VALIDATION_FAILED');
      expect(await snapshot(store)).toEqual(before);
      const { task } = await store.answerQuestion({ taskId: 't', option: 1 });
      expect(task.answer).toMatchObject({ text: 'right', option: 1 });
    });

    it('answering a task that is not waiting is INVALID_TRANSITION and changes nothing', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await rejects(store.answerQuestion({ taskId: 't', answer: 'a' }), 'INVALID_TRANSITION');
      await store.claimNextTask({ workerId: 'w' });
      await store.askQuestion({ taskId: 't', workerId: 'w', question: 'q?' });
      await store.answerQuestion({ taskId: 't', answer: 'first' });
      const before = await snapshot(store);
      const error = await rejects(store.answerQuestion({ taskId: 't', answer: 'second' }), 'INVALID_TRANSITION');
      expect(error.details).toMatchObject({ status: 'working', allowedFrom: ['waiting'] });
      await rejects(store.answerQuestion({ taskId: 'missing', answer: 'a' }), 'TASK_NOT_FOUND');
      expect(await snapshot(store)).toEqual(before);
      expect((await store.getTask({ taskId: 't' })).answer?.text).toBe('first');
    });

    it('a waiting task is kept alive by heartbeats; "working" while waiting keeps it waiting', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      await store.askQuestion({ taskId: 't', workerId: 'w', question: 'q?' });
      for (let i = 0; i < 3; i++) {
        clock.advance(TTL - 1000);
        await store.heartbeat({ workerId: 'w' });
        expect((await store.expireLeases()).requeued).toEqual([]);
      }
      const { task } = await store.startTask({ taskId: 't', workerId: 'w', progress: 'reading the schema meanwhile' });
      expect(task).toMatchObject({ status: 'waiting', progress: 'reading the schema meanwhile' });
      expect(task.question?.text).toBe('q?');
    });

    it('a waiting holder that goes silent loses the task at expiry; the question goes, progress and notes stay', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      await store.startTask({ taskId: 't', workerId: 'w', progress: 'half done' });
      await store.addNote({ taskId: 't', text: 'the parser is in src/p.ts', by: 'w' });
      await store.askQuestion({ taskId: 't', workerId: 'w', question: 'q?' });
      clock.advance(TTL + 1);
      expect((await store.expireLeases()).requeued).toEqual(['t']);
      const task = await store.getTask({ taskId: 't' });
      expect(task).toMatchObject({ status: 'available', question: null, worker: null, progress: 'half done' });
      expect(task.notes.map((n) => n.text)).toEqual(['the parser is in src/p.ts']);
      await rejects(store.answerQuestion({ taskId: 't', answer: 'late' }), 'INVALID_TRANSITION');
    });

    it('release, fail and complete from waiting: the question closes with the claim', async () => {
      const { store } = await h.open();
      await store.addTasks({
        tasks: [
          { id: 'a', description: 'a' },
          { id: 'b', description: 'b' },
          { id: 'c', description: 'c' },
        ],
      });
      for (const id of ['a', 'b', 'c']) {
        await store.claimTask({ taskId: id, workerId: id, slot: (await store.claimSlot({ workerId: id })).slot.slot });
        await store.askQuestion({ taskId: id, workerId: id, question: `${id}?` });
      }
      expect((await store.releaseTask({ taskId: 'a', workerId: 'a' })).task).toMatchObject({
        status: 'available',
        question: null,
      });
      expect((await store.failTask({ taskId: 'b', workerId: 'b' })).task).toMatchObject({
        status: 'failed',
        question: null,
      });
      expect((await store.completeTask({ taskId: 'c', workerId: 'c' })).task).toMatchObject({
        status: 'done',
        question: null,
      });
      expect((await store.needsYou()).count).toBe(0);
    });
  });

  describe('progress and handoff', () => {
    it('a progress line rides on start (task.started) and on later "working" calls (task.progress)', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      await store.claimNextTask({ workerId: 'w' });
      const started = await store.startTask({ taskId: 't', workerId: 'w', progress: 'cloning the repo' });
      expect(started.task.progress).toBe('cloning the repo');
      const [event] = await store.events({ type: ['task.started'] });
      expect(event?.data).toMatchObject({ progress: 'cloning the repo' });
      await store.startTask({ taskId: 't', workerId: 'w', progress: 'tests pass, writing docs' });
      const progress = await store.events({ type: ['task.progress'] });
      expect(progress.map((e) => e.data.progress)).toEqual(['tests pass, writing docs']);
      // The same line again, or none, is a keep-alive without an event.
      await store.startTask({ taskId: 't', workerId: 'w', progress: 'tests pass, writing docs' });
      await store.startTask({ taskId: 't', workerId: 'w' });
      expect((await store.events({ type: ['task.progress'] })).length).toBe(1);
      expect((await store.getTask({ taskId: 't' })).progress).toBe('tests pass, writing docs');
      await rejects(store.startTask({ taskId: 't', workerId: 'w', progress: 'two\nlines' }), 'VALIDATION_FAILED');
      await rejects(store.startTask({ taskId: 't', workerId: 'w', progress: 'x'.repeat(513) }), 'VALIDATION_FAILED');
    });

    it('release and fail keep progress and notes; the next claim carries them', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't', maxAttempts: 5 });
      await store.claimNextTask({ workerId: 'first' });
      await store.startTask({ taskId: 't', workerId: 'first', progress: 'step 2 of 3' });
      await store.addNote({ taskId: 't', text: 'step 1 needed a migration', by: 'first' });
      await store.releaseTask({ taskId: 't', workerId: 'first' });
      const second = await store.claimNextTask({ workerId: 'second' });
      expect(second?.handoff).toMatchObject({
        progress: 'step 2 of 3',
        notes: [{ author: 'first', kind: 'note', text: 'step 1 needed a migration' }],
        omittedNotes: 0,
      });
      await store.failTask({ taskId: 't', workerId: 'second', error: 'flaky', retry: true });
      const third = await store.claimNextTask({ workerId: 'third' });
      expect(third?.handoff.progress).toBe('step 2 of 3');
      expect(third?.task.notes).toHaveLength(1);
    });

    it('the handoff is bounded: the newest notes that fit 8 KiB, the rest counted', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      for (let i = 0; i < 5; i++) await store.addNote({ taskId: 't', text: `${i}`.repeat(4000) });
      const claim = await store.claimNextTask({ workerId: 'w' });
      expect(claim?.handoff.notes.map((n) => n.text[0])).toEqual(['3', '4']);
      expect(claim?.handoff.omittedNotes).toBe(3);
    });
  });

  describe('notes', () => {
    it('add_note: agents and people append; the row keeps the newest 20, the feed every one', async () => {
      const { store, clock } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      clock.advance(10);
      const { task } = await store.addNote({ taskId: 't', text: 'first', by: 'ann' });
      expect(task.notes).toEqual([{ at: clock.now(), author: 'ann', kind: 'note', text: 'first' }]);
      expect(task.status).toBe('available');
      for (let i = 1; i < 25; i++) await store.addNote({ taskId: 't', text: `note ${i}` });
      const notes = (await store.getTask({ taskId: 't' })).notes;
      expect(notes).toHaveLength(20);
      expect(notes[0]?.text).toBe('note 5');
      expect(notes[19]).toMatchObject({ text: 'note 24', author: null });
      const events = await store.events({ type: ['task.note_added'], limit: 100 });
      expect(events).toHaveLength(25);
      expect(events[0]).toMatchObject({ taskId: 't', workerId: 'ann', data: { text: 'first', author: 'ann' } });
    });

    it('a note that is empty or over 4 KiB, or on a missing task, is refused and changes nothing', async () => {
      const { store } = await h.open();
      await store.addTask({ id: 't', description: 't' });
      const before = await snapshot(store);
      await rejects(store.addNote({ taskId: 't', text: '' }), 'VALIDATION_FAILED');
      await rejects(store.addNote({ taskId: 't', text: 'é'.repeat(2049) }), 'VALIDATION_FAILED');
      await rejects(store.addNote({ taskId: 'missing', text: 'x' }), 'TASK_NOT_FOUND');
      expect(await snapshot(store)).toEqual(before);
    });
  });
}
