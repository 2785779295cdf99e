// Contract: webhook delivery cursors only move forward, and one process at a time holds the dispatch lease.
import { describe, expect, it } from 'vitest';
import { rejects, type Harness } from './harness.js';

export function webhooksContract(h: Harness): void {
  describe('webhook cursors and dispatch lease', () => {
    it('a cursor starts missing, advances, and never moves back', async () => {
      const { store, clock } = await h.open();
      expect(await store.webhookCursors()).toEqual([]);
      const t0 = clock.now();
      expect(await store.advanceWebhookCursor({ webhook: 'b', seq: 5 })).toEqual({
        webhook: 'b',
        seq: 5,
        updatedAt: t0,
      });
      clock.advance(10);
      expect(await store.advanceWebhookCursor({ webhook: 'a', seq: 2 })).toEqual({
        webhook: 'a',
        seq: 2,
        updatedAt: t0 + 10,
      });
      // A late acknowledgement of an older delivery keeps the cursor where it is.
      expect(await store.advanceWebhookCursor({ webhook: 'b', seq: 3 })).toEqual({
        webhook: 'b',
        seq: 5,
        updatedAt: t0,
      });
      expect(await store.advanceWebhookCursor({ webhook: 'b', seq: 9 })).toEqual({
        webhook: 'b',
        seq: 9,
        updatedAt: t0 + 10,
      });
      expect(await store.webhookCursors()).toEqual([
        { webhook: 'a', seq: 2, updatedAt: t0 + 10 },
        { webhook: 'b', seq: 9, updatedAt: t0 + 10 },
      ]);
    });

    it('rejects a bad cursor with VALIDATION_FAILED and stores nothing', async () => {
      const { store } = await h.open();
      await rejects(store.advanceWebhookCursor({ webhook: 'a', seq: -1 }), 'VALIDATION_FAILED');
      await rejects(store.advanceWebhookCursor({ webhook: '', seq: 1 }), 'VALIDATION_FAILED');
      await rejects(store.takeDispatchLease({ owner: 'p1', ttlMs: 0 }), 'VALIDATION_FAILED');
      expect(await store.webhookCursors()).toEqual([]);
    });

    it('the dispatch lease goes to one owner, is renewed by it, and passes on only once it expires', async () => {
      const { store, clock } = await h.open();
      const t0 = clock.now();
      expect(await store.takeDispatchLease({ owner: 'p1', ttlMs: 1000 })).toEqual({
        owner: 'p1',
        expiresAt: t0 + 1000,
      });
      expect(await store.takeDispatchLease({ owner: 'p2', ttlMs: 1000 })).toEqual({
        owner: 'p1',
        expiresAt: t0 + 1000,
      });
      clock.advance(600);
      expect(await store.takeDispatchLease({ owner: 'p1', ttlMs: 1000 })).toEqual({
        owner: 'p1',
        expiresAt: t0 + 1600,
      });
      clock.advance(999);
      expect((await store.takeDispatchLease({ owner: 'p2', ttlMs: 1000 })).owner).toBe('p1');
      clock.advance(1);
      expect(await store.takeDispatchLease({ owner: 'p2', ttlMs: 1000 })).toEqual({
        owner: 'p2',
        expiresAt: t0 + 2600,
      });
    });

    it('a holder named as replaced gives way at once; naming anyone else changes nothing', async () => {
      const { store, clock } = await h.open();
      const t0 = clock.now();
      await store.takeDispatchLease({ owner: 'old', ttlMs: 1000 });
      expect((await store.takeDispatchLease({ owner: 'new', ttlMs: 1000, replacing: 'other' })).owner).toBe('old');
      expect(await store.takeDispatchLease({ owner: 'new', ttlMs: 1000, replacing: 'old' })).toEqual({
        owner: 'new',
        expiresAt: t0 + 1000,
      });
    });

    it('takers asking at once: exactly one gets the lease', async () => {
      const { store } = await h.open();
      const owners = Array.from({ length: 8 }, (_, i) => `p${i}`);
      const answers = await Promise.all(owners.map((owner) => store.takeDispatchLease({ owner, ttlMs: 5000 })));
      const holders = new Set(answers.map((a) => a.owner));
      expect(holders.size).toBe(1);
    });
  });
}
