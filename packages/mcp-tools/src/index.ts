// @task-coordinator/mcp-tools: the MCP tools, defined once for the stdio client and the server's /mcp.
export { createToolServer, type ToolServerOptions } from './register.js';
export { compactSchema, toolListing } from './listing.js';
export { DEFAULT_PROFILE, parseProfile, PROFILE_NAMES, PROFILES, profileTools, type ToolProfile } from './profiles.js';
export { defineTool, TOOLS, TOOL_NAMES, type ToolContext, type ToolDef, type ToolSpec } from './tools/index.js';
export type { ToolBackend } from './backend.js';
export { briefTask, errorResult, ERROR_HINTS, line, TaskBriefSchema, type TaskBrief } from './format.js';
export { claudeAddLine, shellWord, stdioLaunch, type StdioLaunch } from './connect.js';
