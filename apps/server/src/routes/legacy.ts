// The original server's endpoints, same paths, bodies and {success,…} answers, so its clients keep working.
//
// Original clients take a slot with no body and no worker id and never heartbeat: such a slot is
// held anonymously until a claim-task names a worker for it, and slots and claims taken here get
// the long legacy lease (--legacy-lease-ttl, 1 h) so an existing client is not robbed mid-task.
//
// The routes are one table (LEGACY_ROUTES): Express serves it as a Router (every request shape, the
// dashboard port), and http/legacy-handler.ts answers the plain requests of original clients from
// the same table straight on node:http (the original workload's hot path).
import express, { type Request, type Response, type Router } from 'express';
import { allPages, DEFAULT_PROJECT, DomainError, type Store, type Task } from '@task-coordinator/core';
import type { LegacyBody } from '../snapshot/project-snapshot.js';
import type { Snapshots } from '../snapshot/snapshots.js';
import { returnedSlotsOf, type ReturnedSlots } from './legacy-slots.js';
import { toLegacySlot, toLegacyTask } from './legacy-task.js';

export { LEGACY_STATUS, toLegacyTask, type LegacyTask } from './legacy-task.js';

/** The parsed JSON body as an object of fields (none: {}); anything else is refused. */
export function bodyFields(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DomainError('VALIDATION_FAILED', 'request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export function fields(req: Request): Record<string, unknown> {
  return bodyFields(req.body);
}

/**
 * A number the way original clients send it: a JSON number, or its decimal text (`"1"`, as a model
 * often writes it). Anything else goes on unchanged, so the schema refuses it with its own message.
 */
export function numeric(value: unknown): unknown {
  return typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
}

/** Every task of the board, page by page (the original answered them all at once). */
export async function allTasks(store: Store, status?: 'available'): Promise<Task[]> {
  return allPages((after) => store.listTasks({ limit: 1000, ...(status ? { status: [status] } : {}), ...after }));
}

/** `{"success":true}`, the answer of most original endpoints: a constant, made once. */
export const SUCCESS = Object.freeze({ success: true as const });

/** What an original route answers with: a JSON object, or a snapshot's body as it is. */
export type LegacyAnswer = Record<string, unknown> | { legacyBody: LegacyBody };

export interface LegacyContext {
  store: Store;
  legacyLeaseTtlMs: number;
  /** The default project's snapshot (whole-board reads); null: page through the store. */
  board: (() => ReturnType<Snapshots['project']>) | null;
  /** Slots given back by update-task whose release-worker-slot may still be on the way (legacy-slots.ts). */
  returned: ReturnedSlots;
}

export interface LegacyRoute {
  method: 'get' | 'post';
  /** Under /api. */
  path: string;
  /** `body`: the parsed JSON body as sent (undefined: none); routes that read it take its fields with bodyFields. */
  handle(context: LegacyContext, body: unknown): Promise<LegacyAnswer>;
}

/** The original endpoints. */
export const LEGACY_ROUTES: readonly LegacyRoute[] = [
  {
    method: 'post',
    path: '/claim-worker-slot',
    async handle({ store, legacyLeaseTtlMs, returned }) {
      const avoidSlots = returned.avoid();
      const { slot } = await store.claimSlot({
        leaseTtlMs: legacyLeaseTtlMs,
        ...(avoidSlots.length ? { avoidSlots } : {}),
      });
      return { success: true, slot: slot.slot };
    },
  },
  {
    method: 'post',
    path: '/release-worker-slot',
    async handle({ store, returned }, body) {
      const { slot } = bodyFields(body);
      // The original server let any client free any slot, and its clients rely on that; freeing a slot never took
      // a task from its worker there. Here neither: the slot is freed, its task stays with its worker (under its
      // lease). An original client's loop (update-task done, which gives the slot back, then release-worker-slot)
      // may otherwise release a slot another worker has taken in between, and take that worker's task from it.
      const released = await store.releaseSlot({ slot: numeric(slot) as number, force: true, keepTask: true });
      returned.released(released.slot);
      return SUCCESS;
    },
  },
  {
    method: 'get',
    path: '/available-tasks',
    async handle({ store, board }) {
      if (board) return { legacyBody: await board().legacyBody('available') };
      return { success: true, tasks: (await allTasks(store, 'available')).map(toLegacyTask) };
    },
  },
  {
    method: 'post',
    path: '/claim-task',
    async handle({ store, legacyLeaseTtlMs, returned }, body) {
      const { taskId, workerId, workerSlot } = bodyFields(body);
      const slot = numeric(workerSlot) as number;
      await store.claimTask({
        taskId: taskId as string,
        workerId: workerId as string,
        slot,
        leaseTtlMs: legacyLeaseTtlMs,
      });
      returned.claimed(workerId as string, slot);
      return SUCCESS;
    },
  },
  {
    method: 'post',
    path: '/update-task',
    async handle({ store, returned }, body) {
      const { taskId, status, workerId, output, error } = bodyFields(body);
      const base = { taskId: taskId as string, workerId: workerId as string };
      const kept = output !== undefined ? { output: output as string } : {};
      // As the original did: a finished task gives its slot back, and a failure keeps the output sent with it.
      // Marked before the command: the slot is free from its commit on, before the answer is back.
      if (status === 'done' || status === 'failed') returned.finishing(workerId as string);
      switch (status) {
        case 'working':
          await store.startTask(base);
          break;
        case 'done':
          await store.completeTask({ ...base, ...kept, releaseSlot: true });
          break;
        case 'failed':
          await store.failTask({
            ...base,
            ...kept,
            ...(error !== undefined ? { error: error as string } : {}),
            releaseSlot: true,
          });
          break;
        default:
          throw new DomainError('VALIDATION_FAILED', 'status must be one of working, done, failed', {
            issues: [{ path: 'status', message: 'expected working, done or failed' }],
          });
      }
      return SUCCESS;
    },
  },
  {
    method: 'post',
    path: '/add-task',
    async handle({ store }, body) {
      // Original clients send the whole Task object; only these fields mean anything on add.
      const { id, description, dependencies, output } = bodyFields(body);
      await store.addTask({
        ...(id !== undefined ? { id: id as string } : {}),
        description: description as string,
        ...(dependencies !== undefined ? { dependencies: dependencies as string[] } : {}),
        ...(output !== undefined && output !== null ? { output: output as string } : {}),
      });
      return SUCCESS;
    },
  },
  {
    method: 'get',
    path: '/all-tasks',
    async handle({ store, board }) {
      if (board) return { legacyBody: await board().legacyBody('all') };
      return { success: true, tasks: (await allTasks(store)).map(toLegacyTask) };
    },
  },
  {
    method: 'get',
    path: '/workers',
    async handle({ store, board }) {
      const slots = board ? await board().slotViews() : await store.listSlots();
      return { success: true, workers: slots.map(toLegacySlot) };
    },
  },
  {
    method: 'post',
    path: '/reset-failed-task',
    async handle({ store }, body) {
      const { taskId } = bodyFields(body);
      await store.resetTask({ taskId: taskId as string });
      return SUCCESS;
    },
  },
  {
    method: 'post',
    path: '/clean-all-tasks',
    async handle({ store }) {
      await store.cleanAll();
      return SUCCESS;
    },
  },
];

/** The context the routes run in: whole-board reads from `snapshots` when given (the server always gives them). */
export function legacyContext(store: Store, legacyLeaseTtlMs: number, snapshots: Snapshots | null): LegacyContext {
  return {
    store,
    legacyLeaseTtlMs,
    board: snapshots ? () => snapshots.project(DEFAULT_PROJECT) : null,
    returned: returnedSlotsOf(store),
  };
}

/** A snapshot body (as pieces, nothing serialised or copied) or a JSON object. */
export function isSnapshotBody(answer: LegacyAnswer): answer is { legacyBody: LegacyBody } {
  return 'legacyBody' in answer;
}

/** The original endpoints as an Express router (LEGACY_ROUTES). */
export function legacyRoutes(store: Store, legacyLeaseTtlMs: number, snapshots: Snapshots | null = null): Router {
  const router = express.Router();
  const context = legacyContext(store, legacyLeaseTtlMs, snapshots);
  // The snapshot's bytes as they are, piece after piece: nothing serialised or copied per request.
  const sendBody = (res: Response, body: LegacyBody) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', body.length);
    for (const piece of body.pieces) res.write(piece);
    res.end();
  };
  for (const route of LEGACY_ROUTES) {
    router[route.method](route.path, async (req, res) => {
      const answer = await route.handle(context, req.body);
      if (isSnapshotBody(answer)) sendBody(res, answer.legacyBody);
      else res.json(answer);
    });
  }
  return router;
}
