// Plans and templates: many tasks from one YAML or JSON document, atomically.
import { PlanRequestSchema, PlanResultSchema } from '@task-coordinator/core';
import { loadPlan } from '../../plans/plan-file.js';
import { defineRoute, Reply, type Route } from './define.js';

// The request and answer schemas live in core (plan-api.ts): the dashboard's types come from them too.
export { PlanRequestSchema };

export const PLAN_ROUTES: readonly Route[] = [
  defineRoute({
    method: 'post',
    path: '/plans',
    operationId: 'loadPlan',
    summary:
      'Load a plan or instantiate a template: every task added atomically, or none with each error naming its entry and line; dryRun previews the tasks and edges',
    tag: 'tasks',
    from: 'body',
    request: PlanRequestSchema,
    response: PlanResultSchema,
    status: 201,
    run: async ({ store }, input) => {
      const result = await loadPlan(store, input);
      return new Reply(result.created.length ? 201 : 200, result);
    },
  }),
];
