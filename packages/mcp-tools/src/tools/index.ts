// The MCP tools, defined once: the stdio client and the server's /mcp both register this table.
// A new group of tools is a file of `defineTool(...)` entries and one line here.
import { ADD_TOOLS } from './add.js';
import { ADMIN_TOOLS } from './admin.js';
import type { ToolDef } from './define.js';
import { FILE_TOOLS } from './files.js';
import { HUMAN_TOOLS } from './humans.js';
import { READ_TOOLS } from './read.js';
import { SLOT_TOOLS } from './slots.js';
import { WORK_TOOLS } from './work.js';

export const TOOLS: readonly ToolDef[] = [
  ...WORK_TOOLS,
  ...READ_TOOLS,
  ...ADD_TOOLS,
  ...SLOT_TOOLS,
  ...ADMIN_TOOLS,
  ...HUMAN_TOOLS,
  ...FILE_TOOLS,
];

export const TOOL_NAMES = TOOLS.map((t) => t.name);

export { defineTool, type ToolContext, type ToolDef, type ToolSpec } from './define.js';
