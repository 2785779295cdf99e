// The tools/list entries, generated from the tool table with compact JSON Schemas, once per profile.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { profileTools, type ToolProfile } from './profiles.js';

/**
 * A JSON Schema as small as it can be without losing meaning: no $schema, no closed-object
 * markers, no safe-integer bounds, and no descriptions inside array items (the enclosing field says
 * it already). Every byte here is paid for by every agent session. Only annotations are dropped:
 * a property that happens to be named `description` stays (a `properties` map holds names, not
 * annotations).
 */
export function compactSchema(shape: z.ZodRawShape, io: 'input' | 'output'): Tool['inputSchema'] {
  const json = z.toJSONSchema(z.object(shape), { target: 'draft-2020-12', io, unrepresentable: 'any' });
  const schema = (value: unknown, inItems: boolean): unknown => {
    if (Array.isArray(value)) return value.map((v) => schema(v, inItems));
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$schema' || key === 'additionalProperties' || (inItems && key === 'description')) continue;
      if ((key === 'minimum' || key === 'maximum') && Math.abs(inner as number) === Number.MAX_SAFE_INTEGER) continue;
      out[key] =
        key === 'properties' || key === '$defs'
          ? names(inner, inItems)
          : schema(inner, inItems || key === 'items' || key === 'prefixItems');
    }
    return out;
  };
  // A map from names to schemas: every name is kept, whatever it is called.
  const names = (value: unknown, inItems: boolean): unknown =>
    value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, schema(inner, inItems)]))
      : value;
  return schema(json, false) as Tool['inputSchema'];
}

const listings = new Map<ToolProfile, Tool[]>();

/** The tools/list entries of a profile, built on first use and shared by every session after. */
export function toolListing(profile: ToolProfile = 'full'): Tool[] {
  let listing = listings.get(profile);
  if (!listing) {
    listing = profileTools(profile).map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: compactSchema(tool.input, 'input'),
      outputSchema: compactSchema(tool.output, 'output') as Tool['outputSchema'],
      annotations: tool.annotations,
    }));
    listings.set(profile, listing);
  }
  return listing;
}
