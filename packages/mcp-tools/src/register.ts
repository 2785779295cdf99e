// The tools on an MCP server: the stdio client and the server's /mcp both create their MCP server here.
//
// It is the SDK's low-level Server with our own tools/list and tools/call handlers (the SDK's documented
// way to serve tools you describe yourself): the listing is built once per profile with compact
// schemas and answered as is, and each call is parsed with the tool's zod input shape.
//
// Agents pay tokens for tools/list on every session, so descriptions teach the workflow in few
// words, schemas carry only what a caller fills in, and results use a compact task shape.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { DomainError } from '@task-coordinator/core';
import { errorResult } from './format.js';
import { toolListing } from './listing.js';
import { DEFAULT_PROFILE, profileTools, type ToolProfile } from './profiles.js';
import type { ToolContext } from './tools/define.js';

export interface ToolServerOptions {
  name: string;
  version: string;
  profile?: ToolProfile;
}

/** An MCP server offering the tools of `profile` (default full) to one client. */
export function createToolServer(options: ToolServerOptions, ctx: ToolContext): Server {
  const profile = options.profile ?? DEFAULT_PROFILE;
  const server = new Server({ name: options.name, version: options.version }, { capabilities: { tools: {} } });
  const tools = new Map(profileTools(profile).map((tool) => [tool.name, tool]));
  const listing = { tools: toolListing(profile) };
  server.setRequestHandler(ListToolsRequestSchema, () => listing);
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = tools.get(request.params.name);
    if (!tool) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Tool ${request.params.name} not found${profile === 'full' ? '' : ` in the ${profile} profile`}`,
      );
    }
    try {
      const { text, data, next } = await tool.call(request.params.arguments, ctx, extra);
      return { content: [{ type: 'text', text: `${text}\n\nNext: ${next}` }], structuredContent: { ...data, next } };
    } catch (error) {
      return errorResult(
        error instanceof DomainError
          ? error
          : new DomainError('INTERNAL', (error as Error)?.message ?? 'unexpected error'),
      );
    }
  });
  return server;
}
