// Claude Code defers MCP tools: an agent finds ours through its ToolSearch, by keywords. The right tool
// must come first for the words an agent uses, in every profile, with the real binary.
import { describe, expect, it } from 'vitest';
import { describeClaude, toolSearch } from '@task-coordinator/test-support/claude-code';
import { agent, httpEntry } from './claude-helpers.js';
import { server } from './helpers.js';

const QUERIES: Array<[query: string, tool: string]> = [
  ['claim task', 'claim_next_task'],
  ['take next task', 'claim_next_task'],
  ['add tasks', 'add_tasks'],
  ['release task', 'release_task'],
  ['get task', 'get_task'],
];

await describeClaude('Claude Code ToolSearch finds our tools by keywords', ({ bin }) => {
  describe.each(['full', 'core'])('profile %s', (profile) => {
    it('the right tool comes first for the words an agent uses', async () => {
      const running = await server();
      const harness = await agent(bin, [...QUERIES.map(([query]) => toolSearch(query))]);
      const run = await harness.print('find the tools', {
        mcpServers: { tc: httpEntry(running, { profile }) },
        allowedTools: ['mcp__tc'],
      });
      expect(harness.api.errors).toEqual([]);
      expect(run.code).toBe(0);
      const found = harness.api
        .toolResults()
        .map(
          (r) =>
            [
              r.input as { query: string },
              r.text.split('\n').map((l) => l.replace(/^\[tool_reference (.*)\]$/, '$1')),
            ] as const,
        );
      const firsts = found.map(([input, names]) => [input.query, names[0]]);
      expect(firsts).toEqual(QUERIES.map(([query, tool]) => [query, `mcp__tc__${tool}`]));
    });
  });
});
