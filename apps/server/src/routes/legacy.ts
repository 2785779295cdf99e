// The original server's endpoints, same paths, bodies and {success,…} answers, so its clients keep working.
//
// Original clients take a slot with no body and no worker id and never heartbeat: such a slot is
// held anonymously until a claim-task names a worker for it, and slots and claims taken here get
// the long legacy lease (--legacy-lease-ttl, 1 h) so an existing client is not robbed mid-task.
import express, { type Request, type Router } from 'express';
import { DomainError, type SlotView, type Store, type Task } from '@task-coordinator/core';

/** The task as the original server answered it: Date fields as ISO text, absent fields omitted. */
export interface LegacyTask {
  id: string;
  description: string;
  status: Task['status'];
  dependencies: string[];
  worker?: string;
  output?: string;
  error?: string;
  startedAt?: string;
  completedAt?: string;
}

export function toLegacyTask(task: Task): LegacyTask {
  return {
    id: task.id,
    description: task.description,
    status: task.status,
    dependencies: task.dependencies,
    ...(task.worker !== null ? { worker: task.worker } : {}),
    ...(task.output !== null ? { output: task.output } : {}),
    ...(task.error !== null ? { error: task.error } : {}),
    ...(task.startedAt !== null ? { startedAt: new Date(task.startedAt).toISOString() } : {}),
    ...(task.completedAt !== null ? { completedAt: new Date(task.completedAt).toISOString() } : {}),
  };
}

/** The original WorkerSlot: {slot, workerId?, active, taskId?}. */
function toLegacySlot(view: SlotView) {
  return {
    slot: view.slot,
    active: !view.free,
    ...(view.worker !== null ? { workerId: view.worker } : {}),
    ...(view.taskId !== null ? { taskId: view.taskId } : {}),
    ...(view.leaseExpiresAt !== null ? { leaseExpiresAt: view.leaseExpiresAt } : {}),
  };
}

function fields(req: Request): Record<string, unknown> {
  const value: unknown = req.body;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DomainError('VALIDATION_FAILED', 'request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Every task of the board, page by page (the original answered them all at once). */
async function allTasks(store: Store, status?: 'available'): Promise<Task[]> {
  const tasks: Task[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listTasks({ limit: 1000, ...(status ? { status: [status] } : {}), ...(cursor ? { cursor } : {}) });
    tasks.push(...page.tasks);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return tasks;
}

export function legacyRoutes(store: Store, legacyLeaseTtlMs: number): Router {
  const router = express.Router();

  router.post('/claim-worker-slot', async (_req, res) => {
    const { slot } = await store.claimSlot({ leaseTtlMs: legacyLeaseTtlMs });
    res.json({ success: true, slot: slot.slot });
  });

  router.post('/release-worker-slot', async (req, res) => {
    // The original server let any client free any slot; its clients rely on that.
    const { slot } = fields(req);
    await store.releaseSlot({ slot: slot as number, force: true });
    res.json({ success: true });
  });

  router.get('/available-tasks', async (_req, res) => {
    res.json({ success: true, tasks: (await allTasks(store, 'available')).map(toLegacyTask) });
  });

  router.post('/claim-task', async (req, res) => {
    const { taskId, workerId, workerSlot } = fields(req);
    await store.claimTask({ taskId: taskId as string, workerId: workerId as string, slot: workerSlot as number, leaseTtlMs: legacyLeaseTtlMs });
    res.json({ success: true });
  });

  router.post('/update-task', async (req, res) => {
    const { taskId, status, workerId, output, error } = fields(req);
    const base = { taskId: taskId as string, workerId: workerId as string };
    switch (status) {
      case 'working':
        await store.startTask(base);
        break;
      case 'done':
        await store.completeTask({ ...base, ...(output !== undefined ? { output: output as string } : {}) });
        break;
      case 'failed':
        await store.failTask({ ...base, ...(error !== undefined ? { error: error as string } : {}) });
        break;
      default:
        throw new DomainError('VALIDATION_FAILED', 'status must be one of working, done, failed', {
          issues: [{ path: 'status', message: 'expected working, done or failed' }],
        });
    }
    res.json({ success: true });
  });

  router.post('/add-task', async (req, res) => {
    // Original clients send the whole Task object; only these fields mean anything on add.
    const { id, description, dependencies, output } = fields(req);
    await store.addTask({
      ...(id !== undefined ? { id: id as string } : {}),
      description: description as string,
      ...(dependencies !== undefined ? { dependencies: dependencies as string[] } : {}),
      ...(output !== undefined && output !== null ? { output: output as string } : {}),
    });
    res.json({ success: true });
  });

  router.get('/all-tasks', async (_req, res) => {
    res.json({ success: true, tasks: (await allTasks(store)).map(toLegacyTask) });
  });

  router.get('/workers', async (_req, res) => {
    res.json({ success: true, workers: (await store.listSlots()).map(toLegacySlot) });
  });

  router.post('/reset-failed-task', async (req, res) => {
    const { taskId } = fields(req);
    await store.resetTask({ taskId: taskId as string });
    res.json({ success: true });
  });

  router.post('/clean-all-tasks', async (_req, res) => {
    await store.cleanAll();
    res.json({ success: true });
  });

  return router;
}
