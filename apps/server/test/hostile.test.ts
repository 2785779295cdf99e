// Hostile input, short version of the drill (the full one, 10,000+ requests: npm run drill:hostile):
// generated malformed requests across every REST route, the original endpoints, Socket.IO and /mcp.
import { describe, expect, it } from 'vitest';
import { runHostileDrill } from '../drills/hostile.js';

describe('hostile input', () => {
  it('generated malformed requests (REST, original endpoints, Socket.IO, MCP tools, raw JSON-RPC): no 5xx, no crash, every rejection coded, the database unchanged by every rejection', async () => {
    const report = await runHostileDrill({ requests: Number(process.env.TC_HOSTILE_RUNS ?? 1500) });
    expect(report.samples).toEqual([]);
    expect(report.serverErrors).toBe(0);
    expect(report.crashes).toBe(0);
    expect(report.uncoded).toBe(0);
    expect(report.changedByRejection).toBe(0);
    expect(report.internalLogged).toBe(0);
    expect(report.requests).toBeGreaterThanOrEqual(1500);
    for (const kind of ['rest', 'socket', 'mcp-tool', 'mcp-raw']) expect(report.byKind[kind], kind).toBeGreaterThan(50);
    expect(report.rejected).toBeGreaterThan(report.requests / 2);
    // Among them: bodies over the limit, wrong methods, unknown routes, invalid input, conflicts.
    for (const status of ['400', '404', '405', '413']) expect(report.byStatus[status], status).toBeGreaterThan(0);
    // The dump does see changes: accepted requests made some.
    expect(report.changedByAcceptance).toBeGreaterThan(0);
  }, 300_000);
});
