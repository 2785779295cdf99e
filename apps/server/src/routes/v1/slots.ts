// Worker slots and leases: list, take, free, renew.
import { z } from 'zod';
import {
  ClaimSlotInputSchema,
  HeartbeatInputSchema,
  HeartbeatResultSchema,
  ListSlotsQuerySchema,
  ReleaseSlotInputSchema,
  ReleaseSlotResultSchema,
  SlotResultSchema,
  SlotViewSchema,
} from '@task-coordinator/core';
import { defineRoute, Reply, type Route } from './define.js';

export const SLOT_ROUTES: readonly Route[] = [
  defineRoute({
    method: 'get',
    path: '/slots',
    operationId: 'listSlots',
    summary: 'Every worker slot, held or free',
    tag: 'workers',
    from: 'query',
    request: ListSlotsQuerySchema,
    response: z.object({ slots: z.array(SlotViewSchema) }),
    run: async ({ store }, input) => ({ slots: await store.listSlots(input) }),
  }),
  defineRoute({
    method: 'post',
    path: '/slots',
    operationId: 'claimSlot',
    summary: 'Take the lowest free slot (the same worker asking again gets the slot it holds)',
    tag: 'workers',
    from: 'body',
    request: ClaimSlotInputSchema,
    response: SlotResultSchema,
    run: async ({ store }, input) => {
      const result = await store.claimSlot(input);
      return new Reply(result.created ? 201 : 200, result);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/slots/:slot/release',
    operationId: 'releaseSlot',
    summary: 'Free a slot; a task it holds goes back to the queue without counting an attempt',
    tag: 'workers',
    from: 'body',
    request: ReleaseSlotInputSchema,
    response: ReleaseSlotResultSchema,
    run: ({ store }, input) => store.releaseSlot(input),
  }),
  defineRoute({
    method: 'post',
    path: '/heartbeat',
    operationId: 'heartbeat',
    summary: 'Renew every lease of a worker (its slots and claims); any other call of the worker renews them too',
    tag: 'workers',
    from: 'body',
    request: HeartbeatInputSchema,
    response: HeartbeatResultSchema,
    run: ({ store }, input) => store.heartbeat(input),
  }),
];
