// @task-coordinator/mcp-tools: the MCP tools, defined once for the stdio client and the server's /mcp.
export { registerTools, TOOLS, TOOL_NAMES, type ToolContext } from './tools.js';
export type { ToolBackend } from './backend.js';
export { briefTask, errorResult, ERROR_HINTS, line, TaskBriefSchema, type TaskBrief } from './format.js';
