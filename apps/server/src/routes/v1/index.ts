// REST under /api/v1, declared once as a table: the dispatcher (http/v1-handler.ts) and the OpenAPI
// document (routes/openapi.ts) are both built from it. A new group of routes is a file of
// `defineRoute(...)` entries and one line here.
import { ADMIN_ROUTES } from './admin.js';
import type { Route } from './define.js';
import { EVENT_ROUTES } from './events.js';
import { HUMAN_ROUTES } from './humans.js';
import { PLAN_ROUTES } from './plans.js';
import { RESET_BATCH_ROUTES } from './reset-batch.js';
import { RESERVATION_ROUTES } from './reservations.js';
import { SLOT_ROUTES } from './slots.js';
import { STATS_ROUTES } from './stats.js';
import { TASK_ROUTES } from './tasks.js';
import { WORK_ROUTES } from './work.js';

export const ROUTES: readonly Route[] = [
  ...TASK_ROUTES,
  ...PLAN_ROUTES,
  ...WORK_ROUTES,
  ...HUMAN_ROUTES,
  ...ADMIN_ROUTES,
  ...RESET_BATCH_ROUTES,
  ...RESERVATION_ROUTES,
  ...SLOT_ROUTES,
  ...EVENT_ROUTES,
  ...STATS_ROUTES,
];

export { inputOf, Reply, STREAMED, type Route, type RouteContext, type RouteMetrics, type RawInput } from './define.js';
export { ClaimNextRequestSchema } from './work.js';
export { EventsRequestSchema, EventsExportRequestSchema } from './events.js';
export { PlanRequestSchema } from './plans.js';
export { AskRequestSchema } from './humans.js';
export { StatsResponseSchema } from './stats.js';
