// Turns for the Messages API stand-in, in the words a test reads: search, call, answer.
import type { Reply, Turn, TurnContext } from './messages-api.js';

/** The name Claude Code gives an MCP tool: `mcp__<server>__<tool>`. */
export const mcpName = (server: string, tool: string) => `mcp__${server}__${tool}`;

/** The model answers with text and ends its turn. */
export const say = (text: string): Reply => ({ text });

/** The model calls one tool (any tool: Claude Code's own, or `mcpName(server, tool)`). */
export const call = (name: string, input: unknown = {}): Reply => ({ toolUse: [{ name, input }] });

/** The model calls Claude Code's ToolSearch: `select:A,B` or keywords. */
export const toolSearch = (query: string, maxResults?: number): Reply =>
  call('ToolSearch', { query, ...(maxResults !== undefined ? { max_results: maxResults } : {}) });

/**
 * The model loads MCP tools by name. Claude Code defers MCP tools: until this call the model sees
 * only their names, and calling one before its schema is loaded fails.
 */
export const selectTools = (server: string, ...tools: string[]): Reply =>
  toolSearch(`select:${tools.map((tool) => mcpName(server, tool)).join(',')}`);

/** A turn that decides from what the model was just shown (the previous tool results). */
export const decide = (fn: (context: TurnContext) => Reply | Promise<Reply>): Turn => fn;

/** The text of the last tool result the model was shown, parsed as JSON when it is JSON. */
export function lastResult(context: TurnContext): { text: string; json: unknown; isError: boolean } {
  const result = context.results.at(-1);
  if (!result) throw new Error('the model was shown no tool result in this request');
  let json: unknown = undefined;
  try {
    json = JSON.parse(result.text);
  } catch {
    // plain text
  }
  return { text: result.text, json, isError: result.isError };
}
