// The original dashboard port's own API: GET /api/tasks and GET /api/workers as bare arrays, and
// POST /api/tasks to add one, as the original dashboard server answered them (scripts read them).
// Mounted on the dashboard port only, before the original endpoints (whose /api/workers, on the API
// port, answers {success, workers}).
import express, { type Router } from 'express';
import type { Store } from '@task-coordinator/core';
import { allTasks, fields } from './legacy.js';
import { toLegacySlot, toLegacyTask } from './legacy-task.js';

export function legacyDashboardRoutes(store: Store): Router {
  const router = express.Router();

  router.get('/tasks', async (_req, res) => {
    res.json((await allTasks(store)).map(toLegacyTask));
  });

  router.get('/workers', async (_req, res) => {
    res.json((await store.listSlots()).map(toLegacySlot));
  });

  router.post('/tasks', async (req, res) => {
    const { id, description, dependencies, output } = fields(req);
    await store.addTask({
      ...(id !== undefined ? { id: id as string } : {}),
      description: description as string,
      ...(dependencies !== undefined ? { dependencies: dependencies as string[] } : {}),
      ...(output !== undefined && output !== null ? { output: output as string } : {}),
    });
    res.json({ success: true });
  });

  return router;
}
