// File reservations (issue 13): reserve_files, release_files and check_files (profile full).
// Reservations belong to a task you hold and end with it: no need to release them when you finish.
import { z } from 'zod';
import {
  FILES_LIMITS,
  FileHoldingSchema,
  ReservationModeSchema,
  ReservationOutputSchema,
  type FileHolding,
  type Reservation,
} from '@task-coordinator/core';
import { defineTool, READ, taskId, WRITE_IDEMPOTENT, type ToolDef } from './define.js';

const patterns = z
  .array(z.string().min(1).max(FILES_LIMITS.patternMaxLength))
  .min(1)
  .max(FILES_LIMITS.patternsMax)
  .describe('Repo-relative paths or globs, e.g. ["src/auth/**", "package.json"]');

const holderText = (h: FileHolding) =>
  `${h.pattern} (${h.mode}${h.kind === 'declared' ? ', declared by the task' : ''}) held by ${h.worker} on task ${h.taskId}`;

const list = (reservations: readonly Reservation[]) =>
  reservations.map((r) => `${r.pattern} (${r.mode})`).join(', ') || 'none';

export const FILE_TOOLS: readonly ToolDef[] = [
  defineTool({
    name: 'reserve_files',
    title: 'Reserve files for your task',
    description:
      'Reserve files you are about to edit, for a task you hold: all or none. Refused with FILES_CONFLICT ' +
      'naming who holds what when another worker has them. They are released when the task ends.',
    input: {
      taskId,
      patterns,
      mode: ReservationModeSchema.optional(),
      reason: z.string().min(1).max(FILES_LIMITS.reasonMaxLength).optional(),
    },
    output: { reservations: z.array(ReservationOutputSchema) },
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const { reservations } = await ctx.backend.reserveFiles({
        project: ctx.project,
        taskId: args.taskId,
        workerId: ctx.workerId(),
        patterns: args.patterns,
        ...(args.mode ? { mode: args.mode } : {}),
        ...(args.reason ? { reason: args.reason } : {}),
      });
      return {
        text: `Reserved for task ${args.taskId}: ${list(reservations)}.`,
        data: { reservations },
        next: `Edit these files now; they are yours until task ${args.taskId} ends (complete, fail or release it), or release_files earlier.`,
      };
    },
  }),
  defineTool({
    name: 'release_files',
    title: 'Release reserved files',
    description: "Release some (patterns) or all of your task's file reservations before the task ends.",
    input: { taskId, patterns: patterns.optional().describe('As reserved; all of them when omitted') },
    output: { released: z.array(ReservationOutputSchema) },
    annotations: WRITE_IDEMPOTENT,
    run: async (args, ctx) => {
      const { released } = await ctx.backend.releaseFiles({
        project: ctx.project,
        taskId: args.taskId,
        workerId: ctx.workerId(),
        ...(args.patterns ? { patterns: args.patterns } : {}),
      });
      return {
        text: released.length ? `Released: ${list(released)}.` : 'Nothing to release.',
        data: { released },
        next: 'Others may edit those files now. Keep working on your task, then update_task when done.',
      };
    },
  }),
  defineTool({
    name: 'check_files',
    title: 'Check whether files are free',
    description:
      'Whether other workers hold these paths (their reservations, or files declared by tasks they hold). Changes nothing.',
    input: { paths: patterns.describe('Paths (or globs) you want to edit') },
    output: {
      results: z.array(z.object({ path: z.string(), free: z.boolean(), holders: z.array(FileHoldingSchema) })),
    },
    annotations: READ,
    run: async (args, ctx) => {
      const { results } = await ctx.backend.checkFiles({
        project: ctx.project,
        paths: args.paths,
        workerId: ctx.workerId(),
      });
      const busy = results.filter((r) => !r.free);
      return {
        text: results
          .map((r) => (r.free ? `${r.path}: free` : `${r.path}: held — ${r.holders.map(holderText).join('; ')}`))
          .join('\n'),
        data: { results },
        next: busy.length
          ? 'Do not edit the held paths: pick other work, or wait until their holders finish.'
          : 'All free: reserve_files on your task before editing, so nobody else takes them.',
      };
    },
  }),
];
