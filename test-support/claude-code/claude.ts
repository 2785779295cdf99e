// Runs the real Claude Code binary against the scripted Messages API: `claude -p` with its own HOME,
// MCP config and settings, and the `claude mcp …` / `claude plugin …` commands. Every process is
// started in its own process group and stopped by its pid; every run has a bounded timeout.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startMessagesApi, type MessagesApi, type MessagesApiOptions } from './messages-api.js';

/** An MCP server entry of a `--mcp-config` file. */
export type McpServerConfig =
  | { type?: 'stdio'; command: string; args?: string[]; env?: Record<string, string> }
  | { type: 'http'; url: string; headers?: Record<string, string> };

export interface ClaudeProcess {
  pid: number;
  /** Resolves when the process has exited. */
  done: Promise<ClaudeExit>;
  /** Signals the process (default SIGTERM); `group` also signals what it started (its MCP servers). */
  kill(signal?: NodeJS.Signals, group?: boolean): void;
  stdout(): string;
  stderr(): string;
}

export interface ClaudeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  /** Working directory (default: the harness's HOME). Agents "in one folder" share one. */
  cwd?: string;
  env?: Record<string, string>;
  /** Killed (with its process group) after this long. Default 90 s. */
  timeoutMs?: number;
}

export interface PrintOptions extends RunOptions {
  /** Written to a file and passed as `--mcp-config FILE --strict-mcp-config`. */
  mcpServers?: Record<string, McpServerConfig>;
  /** `--allowedTools`, e.g. ['mcp__tc'] for every tool of server tc. */
  allowedTools?: string[];
  /** Written to a file and passed as `--settings FILE` (hooks, permissions, env). */
  settings?: Record<string, unknown>;
  /** More arguments, after the prompt. */
  args?: string[];
}

/** `claude -p --output-format json`'s final result line (the fields tests read). */
export interface PrintResult extends ClaudeExit {
  result: { result?: string; is_error?: boolean; num_turns?: number; subtype?: string; [key: string]: unknown } | null;
}

export interface HarnessOptions extends Partial<MessagesApiOptions> {
  /** The binary (from `claudeCode()`). */
  bin: string;
}

let files = 0;

export class ClaudeHarness {
  readonly home: string;
  readonly api: MessagesApi;
  private readonly bin: string;
  private readonly running = new Set<ClaudeProcess>();

  private constructor(bin: string, home: string, api: MessagesApi) {
    this.bin = bin;
    this.home = home;
    this.api = api;
  }

  /** A fresh HOME and a Messages API stand-in running the given script. */
  static async start(options: HarnessOptions): Promise<ClaudeHarness> {
    const api = await startMessagesApi({ turns: options.turns ?? [], ...options });
    const home = mkdtempSync(join(tmpdir(), 'tc-claude-home-'));
    return new ClaudeHarness(options.bin, home, api);
  }

  /** The environment Claude Code runs with: own HOME, the stand-in API, no network chatter. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.home,
      USER: process.env.USER ?? 'tester',
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      ANTHROPIC_BASE_URL: this.api.url,
      ANTHROPIC_API_KEY: 'sk-ant-test-harness',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
      NO_COLOR: '1',
      ...extra,
    };
  }

  /** Writes a JSON file under HOME and returns its path. */
  writeJson(name: string, value: unknown): string {
    const dir = join(this.home, 'harness');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${++files}-${name}`);
    writeFileSync(file, JSON.stringify(value, null, 2));
    return file;
  }

  /** Starts `claude ARGS` and returns at once; see `print` and `command` for the usual waits. */
  spawn(args: string[], options: RunOptions = {}): ClaudeProcess {
    const child = spawn(this.bin, args, {
      cwd: options.cwd ?? this.home,
      env: this.env(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so the MCP servers it starts can be stopped with it.
      detached: true,
    });
    if (child.pid === undefined) throw new Error(`could not start ${this.bin}`);
    const pid = child.pid;
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const signal = (sig: NodeJS.Signals, group: boolean) => {
      try {
        process.kill(group ? -pid : pid, sig);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      signal('SIGKILL', true);
    }, options.timeoutMs ?? 90_000);
    const proc: ClaudeProcess = {
      pid,
      done: new Promise<ClaudeExit>((resolve) => {
        child.on('close', (code, sig) => {
          clearTimeout(timer);
          this.running.delete(proc);
          resolve({ code, signal: sig, stdout, stderr, timedOut });
        });
      }),
      kill: (sig = 'SIGTERM', group = false) => signal(sig, group),
      stdout: () => stdout,
      stderr: () => stderr,
    };
    this.running.add(proc);
    return proc;
  }

  /** Runs `claude ARGS` to its end. */
  async command(args: string[], options: RunOptions = {}): Promise<ClaudeExit> {
    return this.spawn(args, { timeoutMs: 60_000, ...options }).done;
  }

  /** The arguments of a `claude -p` run (without starting it). */
  printArgs(prompt: string, options: PrintOptions = {}): string[] {
    const args = ['-p', prompt, '--output-format', 'json'];
    if (options.mcpServers) {
      args.push('--mcp-config', this.writeJson('mcp.json', { mcpServers: options.mcpServers }), '--strict-mcp-config');
    }
    if (options.allowedTools?.length) args.push('--allowedTools', options.allowedTools.join(','));
    if (options.settings) args.push('--settings', this.writeJson('settings.json', options.settings));
    args.push(...(options.args ?? []));
    return args;
  }

  /** Starts `claude -p PROMPT` (for a test that signals it mid-run). */
  startPrint(prompt: string, options: PrintOptions = {}): ClaudeProcess {
    return this.spawn(this.printArgs(prompt, options), options);
  }

  /** Runs `claude -p PROMPT --output-format json` to its end and parses its result. */
  async print(prompt: string, options: PrintOptions = {}): Promise<PrintResult> {
    const exit = await this.startPrint(prompt, options).done;
    return { ...exit, result: parseResult(exit.stdout) };
  }

  /** `claude mcp ARGS` (add, list, get, remove). */
  mcp(args: string[], options: RunOptions = {}): Promise<ClaudeExit> {
    return this.command(['mcp', ...args], options);
  }

  /** `claude plugin ARGS` (validate, marketplace add, install, details …). */
  plugin(args: string[], options: RunOptions = {}): Promise<ClaudeExit> {
    return this.command(['plugin', ...args], options);
  }

  /** Stops every process still running (with its group), the API stand-in, and removes HOME. */
  async close(): Promise<void> {
    const left = [...this.running];
    for (const proc of left) proc.kill('SIGKILL', true);
    await Promise.all(left.map((proc) => proc.done));
    await this.api.close();
    rmSync(this.home, { recursive: true, force: true });
  }
}

function parseResult(stdout: string): PrintResult['result'] {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      const value = JSON.parse(line) as PrintResult['result'];
      if (value && typeof value === 'object') return value;
    } catch {
      // not the result line
    }
  }
  return null;
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * A stdio MCP server entry that runs a TypeScript entry point from source (this repo's workspace
 * sources, through tsx), whatever directory Claude Code starts it in.
 */
export function tsStdioServer(entry: string, env: Record<string, string> = {}): McpServerConfig {
  return {
    command: process.execPath,
    args: ['--conditions=@task-coordinator/source', '--import', tsxLoader, entry],
    env,
  };
}
