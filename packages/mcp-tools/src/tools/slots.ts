// The original slot-based workflow: take a slot, claim a named task in it, free the slot; who holds what.
import { z } from 'zod';
import { SlotNumberSchema } from '@task-coordinator/core';
import { briefTask, TaskBriefSchema } from '../format.js';
import { defineTool, READ, SlotOut, taskId, wholeNumber, workerId, WRITE_IDEMPOTENT, type ToolDef } from './define.js';
import { holdNext } from './work.js';

export const SLOT_TOOLS: readonly ToolDef[] = [
  defineTool({
    name: 'claim_task',
    title: 'Claim a named task',
    description:
      'Claim one specific available task. Prefer claim_next_task, which picks the best one and takes a slot for you.',
    input: {
      taskId,
      workerId,
      workerSlot: wholeNumber(SlotNumberSchema).optional().describe('Your slot; taken for you when left out'),
    },
    output: { task: TaskBriefSchema, slot: z.number(), resumed: z.boolean() },
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const worker = args.workerId ?? ctx.workerId();
      const slot =
        args.workerSlot ?? (await ctx.backend.claimSlot({ project: ctx.project, workerId: worker })).slot.slot;
      const { task, resumed } = await ctx.backend.claimTask({
        project: ctx.project,
        taskId: args.taskId,
        workerId: worker,
        slot,
      });
      return {
        text: `You now hold ${task.id} (slot ${slot}):\n\n${task.description}`,
        data: { task: briefTask(task), slot, resumed },
        next: holdNext(task.id),
      };
    },
  }),
  defineTool({
    name: 'claim_worker_slot',
    title: 'Take a worker slot',
    description: 'Take a worker slot (slots cap how many agents work at once). claim_next_task does this for you.',
    input: {},
    output: SlotOut.shape,
    annotations: WRITE_IDEMPOTENT,
    run: async (_args, ctx) => {
      const { slot } = await ctx.backend.claimSlot({ project: ctx.project, workerId: ctx.workerId() });
      return {
        text: `You hold worker slot ${slot.slot}.`,
        data: { slot: slot.slot, worker: slot.worker, taskId: slot.taskId, leaseExpiresAt: slot.leaseExpiresAt },
        next: `claim_task with workerSlot=${slot.slot} takes a named task in it (claim_next_task picks the best one).`,
      };
    },
  }),
  defineTool({
    name: 'release_worker_slot',
    title: 'Give up your slot',
    description: 'Free a worker slot when you are done working; a task still in it goes back to the queue.',
    input: { slot: wholeNumber(SlotNumberSchema) },
    output: { slot: z.number(), released: z.boolean(), releasedTask: z.string().nullable() },
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const result = await ctx.backend.releaseSlot({ project: ctx.project, slot: args.slot, workerId: ctx.workerId() });
      const text = result.released
        ? `Released slot ${result.slot}${result.releasedTask ? `; ${result.releasedTask} is available again` : ''}.`
        : `Slot ${result.slot} was already free.`;
      return { text, data: { ...result }, next: 'Take work again with claim_next_task, which takes a slot for you.' };
    },
  }),
  defineTool({
    name: 'get_workers',
    title: 'Worker slots',
    description: 'Every worker slot: free, or who holds it with which task.',
    input: {},
    output: { slots: z.array(SlotOut.extend({ free: z.boolean() })) },
    annotations: READ,
    run: async (_args, ctx) => {
      const slots = await ctx.backend.listSlots({ project: ctx.project });
      const text = slots
        .map(
          (s) =>
            `slot ${s.slot}: ${s.free ? 'free' : `${s.worker ?? 'anonymous'}${s.taskId ? ` on ${s.taskId}` : ''}`}`,
        )
        .join('\n');
      return {
        text,
        data: {
          slots: slots.map((s) => ({
            slot: s.slot,
            free: s.free,
            worker: s.worker,
            taskId: s.taskId,
            leaseExpiresAt: s.leaseExpiresAt,
          })),
        },
        next: slots.some((s) => s.free)
          ? 'claim_next_task takes a free slot and the best task for you.'
          : 'Every slot is taken: claim_next_task with wait_seconds waits for one.',
      };
    },
  }),
];
