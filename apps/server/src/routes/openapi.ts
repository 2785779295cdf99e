// The OpenAPI 3.1 document, generated from the route table and core's zod schemas (never written by hand).
import { z } from 'zod';
import { ERROR_HTTP_STATUS, ErrorBodySchema, WebhooksAnswerSchema } from '@task-coordinator/core';
import { ROUTES } from './v1/index.js';

type JsonSchema = Record<string, unknown>;

/** Converts a zod schema; named schemas (`.meta({id})`) are hoisted into `components`. */
function convert(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
  delete json.$defs;
  delete json.$schema;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) {
        out[key] =
          key === '$ref' && typeof inner === 'string'
            ? inner.replace('#/$defs/', '#/components/schemas/')
            : rewrite(inner);
      }
      return out;
    }
    return value;
  };
  for (const [name, def] of Object.entries(defs)) components[name] = rewrite(def) as JsonSchema;
  return rewrite(json) as JsonSchema;
}

/** Drops path parameters from an object schema: they are documented as parameters instead. */
function withoutFields(schema: JsonSchema, fields: readonly string[]): JsonSchema {
  if (!fields.length || typeof schema.properties !== 'object') return schema;
  const properties = { ...(schema.properties as Record<string, unknown>) };
  for (const field of fields) delete properties[field];
  const required = Array.isArray(schema.required)
    ? (schema.required as string[]).filter((r) => !fields.includes(r))
    : undefined;
  return { ...schema, properties, ...(required ? { required } : {}) };
}

const PATH_PARAMS: Record<string, { field: string; schema: JsonSchema; description: string }> = {
  id: { field: 'taskId', schema: { type: 'string' }, description: 'Task id (URL-encode "/" as %2F)' },
  slot: { field: 'slot', schema: { type: 'integer', minimum: 1 }, description: 'Slot number' },
};

export function openApiDocument(version: string): Record<string, unknown> {
  const components: Record<string, JsonSchema> = {};
  const errorSchema = convert(ErrorBodySchema, 'output', components);
  const paths: Record<string, Record<string, unknown>> = {};

  for (const spec of ROUTES) {
    const names = [...spec.path.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
    const pathFields = names.map((n) => PATH_PARAMS[n]?.field ?? n);
    const parameters: unknown[] = names.map((name) => ({
      name,
      in: 'path',
      required: true,
      description: PATH_PARAMS[name]?.description,
      schema: PATH_PARAMS[name]?.schema ?? { type: 'string' },
    }));
    const request = withoutFields(convert(spec.request, 'input', components), pathFields);
    const operation: Record<string, unknown> = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
    };
    if (spec.from === 'query') {
      const properties = (request.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((request.required ?? []) as string[]);
      for (const [name, schema] of Object.entries(properties)) {
        parameters.push({
          name,
          in: 'query',
          required: required.has(name),
          ...(spec.lists?.includes(name) ? { style: 'form', explode: false } : {}),
          schema,
        });
      }
    } else {
      operation.requestBody = { required: false, content: { 'application/json': { schema: request } } };
    }
    if (parameters.length) operation.parameters = parameters;
    operation.responses = {
      [String(spec.status ?? 200)]: {
        description: 'Success',
        content: { 'application/json': { schema: convert(spec.response, 'output', components) } },
      },
      default: {
        description: 'Error: the code says why (see x-error-codes for the HTTP status of each)',
        content: { 'application/json': { schema: errorSchema } },
      },
    };
    const path = `/api/v1${spec.path.replace(/:(\w+)/g, '{$1}')}`;
    paths[path] = { ...(paths[path] ?? {}), [spec.method]: operation };
  }

  paths['/api/v1/webhooks'] = {
    get: {
      operationId: 'listWebhooks',
      summary: "Each webhook's queue (cursor, pending, retry) and the last delivery attempts",
      tags: ['events'],
      responses: {
        '200': {
          description: 'Webhooks and recent attempts',
          content: { 'application/json': { schema: convert(WebhooksAnswerSchema, 'output', components) } },
        },
      },
    },
  };

  paths['/api/health'] = {
    get: {
      operationId: 'health',
      summary: 'Liveness and store reachability (open without a token, but then says only the status)',
      tags: ['admin'],
      security: [],
      responses: { '200': { description: 'Healthy' }, '503': { description: 'The store is unreachable' } },
    },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Task Coordinator API',
      version,
      description:
        'One task board shared by many AI agents: dependencies, atomic claims under leases, worker slots, live updates.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'tasks', description: 'The board' },
      { name: 'workers', description: "What agents call: slots, claims and the holder's transitions" },
      { name: 'events', description: 'The audit log and live feed' },
      { name: 'admin', description: 'Reset, cancel, clean-all' },
    ],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Required when the server runs with --token' },
      },
    },
    'x-error-codes': ERROR_HTTP_STATUS,
  };
}
