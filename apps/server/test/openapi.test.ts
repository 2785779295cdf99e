// The OpenAPI document: valid OpenAPI 3.1, generated from the route table, every reference resolvable.
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../src/index.js';
import { startTestServer } from './helpers.js';

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document covering every route, with resolvable references', async () => {
    const { http } = await startTestServer();
    const res = await http.get('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');

    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);

    for (const route of ROUTES) {
      const path = `/api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`;
      const operation = doc.paths[path]?.[route.method];
      expect(operation, `${route.method} ${path}`).toBeDefined();
      expect(operation.operationId).toBe(route.operationId);
      expect(Object.keys(operation.responses)).toContain('default');
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1] as string,
    );
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined();
    // The limits come from core's schemas, not from hand-written text.
    const addBody = doc.paths['/api/v1/tasks'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(addBody)).toContain('"maxItems":1000');
    expect(doc['x-error-codes'].LEASE_LOST).toBe(409);
  });
});
