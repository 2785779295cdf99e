// The plan endpoint's request and answer (POST /api/v1/plans): one definition for the REST
// validation, the OpenAPI document and the dashboard's types.
import { z } from 'zod';
import { LIMITS, ProjectSchema } from './schemas.js';

export const PlanRequestSchema = z.strictObject({
  plan: z
    .union([z.string().min(1), z.record(z.string(), z.unknown())])
    .describe(
      'The plan: YAML or JSON text (errors then name lines), or the plan object. {name?, project?, parameters?, tasks:[{id, description, dependencies?, priority?, labels?, …}]}',
    ),
  prefix: z
    .string()
    .max(64)
    .optional()
    .describe('Prepended to every plan id (and to dependencies on plan entries): start the same template many times'),
  parameters: z
    .record(z.string(), z.string().max(LIMITS.descriptionMaxBytes))
    .optional()
    .describe("Values for the template's {{parameters}}"),
  project: ProjectSchema.optional().describe('Project to add to; defaults to the plan\'s own, then "default"'),
  dryRun: z
    .boolean()
    .optional()
    .describe('Check the plan and answer the tasks and edges it would create, adding nothing (a preview)'),
});
export type PlanRequest = z.input<typeof PlanRequestSchema>;

export const PlanResultSchema = z.object({
  name: z.string().nullable(),
  project: z.string(),
  dryRun: z.boolean(),
  tasks: z.array(
    z.object({ id: z.string(), description: z.string(), dependencies: z.array(z.string()).optional() }).loose(),
  ),
  edges: z.array(
    z.object({ from: z.string().describe('the dependency'), to: z.string().describe('the task waiting for it') }),
  ),
  created: z.array(z.string()).describe('Ids added by this call; empty on a dry run or an identical re-run'),
});
export type PlanResult = z.output<typeof PlanResultSchema>;
