// The Claude Code end-to-end harness: the pinned binary, a scripted Messages API, and runners.
// See README.md in this folder.
import { describe, it } from 'vitest';
import { claudeCode, type ClaudeCodeInstall } from './install.js';

export { CLAUDE_CODE_PACKAGE, CLAUDE_CODE_VERSION, cacheRoot, claudeCode, type ClaudeCodeInstall } from './install.js';
export {
  deferredToolNames,
  lastToolResults,
  startMessagesApi,
  systemText,
  textOf,
  toolDefinition,
  type MessagesApi,
  type MessagesApiOptions,
  type MessagesRequest,
  type RecordedRequest,
  type Reply,
  type ToolCall,
  type ToolResult,
  type Turn,
  type TurnContext,
} from './messages-api.js';
export {
  ClaudeHarness,
  tsStdioServer,
  type ClaudeExit,
  type ClaudeProcess,
  type HarnessOptions,
  type McpServerConfig,
  type PrintOptions,
  type PrintResult,
  type RunOptions,
} from './claude.js';
export { call, decide, lastResult, mcpName, say, selectTools, toolSearch } from './script.js';

/**
 * `describe` for tests that need the real binary: installs it first (top-level await in the test
 * file), and skips with the reason in the suite's name only when it cannot be installed.
 * Name such test files `*.claude.test.ts`: .ci/run fails when any of them was skipped.
 */
export async function describeClaude(
  name: string,
  body: (install: Extract<ClaudeCodeInstall, { available: true }>) => void,
): Promise<void> {
  const install = await claudeCode();
  // A Claude Code run takes seconds of CPU, more on a busy machine: generous, bounded timeouts.
  if (install.available) describe(name, { timeout: 240_000 }, () => body(install));
  else {
    describe.skip(`${name} (skipped: Claude Code ${install.version} unavailable: ${install.reason})`, () => {
      it('runs with the real Claude Code', () => undefined);
    });
  }
}
