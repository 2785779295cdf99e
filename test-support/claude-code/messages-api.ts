// A scripted stand-in for the Anthropic Messages API on loopback: Claude Code talks to it through
// ANTHROPIC_BASE_URL and gets the turns a test scripted, streamed as the real API streams them.
// Every request body is recorded, so a test asserts on exactly what the model was shown.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A content block of a request message (the parts tests read). */
export interface RequestBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: string | Array<{ type: string; text?: string; tool_name?: string }>;
  is_error?: boolean;
}

export interface RequestMessage {
  /** Claude Code also places `system` messages (environment, deferred tool names) in the list. */
  role: 'user' | 'assistant' | 'system';
  content: string | RequestBlock[];
}

/** A /v1/messages request body as Claude Code sent it. */
export interface MessagesRequest {
  model: string;
  stream?: boolean;
  system?: string | Array<{ type: string; text: string }>;
  messages: RequestMessage[];
  tools?: Array<{ name: string; description?: string; input_schema?: unknown; defer_loading?: boolean }>;
  [key: string]: unknown;
}

export interface RecordedRequest {
  path: string;
  body: MessagesRequest;
  /** Answered by the script (a main-loop turn), not by the default side answer. */
  scripted: boolean;
}

export interface ToolCall {
  name: string;
  input: unknown;
  id?: string;
}

/** What the stand-in answers: text, tool calls, or both (text first). */
export interface Reply {
  text?: string;
  toolUse?: ToolCall[];
}

export interface TurnContext {
  /** The request being answered. */
  request: MessagesRequest;
  /** The tool results in the request's last user message, oldest first. */
  results: ToolResult[];
  /** Every request recorded so far (this one last). */
  recorded: RecordedRequest[];
}

/** A step of the script: a fixed reply, or one decided from the request. */
export type Turn = Reply | ((context: TurnContext) => Reply | Promise<Reply>);

export interface ToolResult {
  toolUseId: string;
  /** The text the model reads: the tool_result content, its text blocks joined. */
  text: string;
  isError: boolean;
}

export interface MessagesApiOptions {
  /** Main-loop turns, answered in order. A request after the last turn gets `{ text: 'done' }`. */
  turns: Turn[];
  /**
   * Whether a request belongs to the main loop (consumes a turn). Default: it offers tools. Claude Code
   * also sends side requests (titles, summaries, without tools); those get `sideReply`.
   */
  isMainLoop?: (request: MessagesRequest) => boolean;
  sideReply?: Reply;
}

export interface MessagesApi {
  url: string;
  /** Every /v1/messages request, in arrival order. */
  requests: RecordedRequest[];
  /** Main-loop requests only. */
  mainRequests(): MessagesRequest[];
  /** Every tool result the model was shown, in order, across the conversation. */
  toolResults(): Array<ToolResult & { tool: string; input: unknown }>;
  /** A turn threw: its error, so a test fails with the reason instead of a hang. */
  errors: Error[];
  close(): Promise<void>;
}

const defaultIsMainLoop = (request: MessagesRequest) => (request.tools?.length ?? 0) > 0;

export function textOf(content: RequestBlock['content']): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .map((block) =>
      block.type === 'text'
        ? (block.text ?? '')
        : block.type === 'tool_reference'
          ? `[tool_reference ${block.tool_name ?? ''}]`
          : `[${block.type}]`,
    )
    .join('\n');
}

/** The tool results sent after the model's last turn (the answers to its last tool calls). */
export function lastToolResults(request: MessagesRequest): ToolResult[] {
  const lastAssistant = request.messages.map((m) => m.role).lastIndexOf('assistant');
  return request.messages
    .slice(lastAssistant + 1)
    .flatMap((m) => (typeof m.content === 'string' ? [] : m.content))
    .filter((block) => block.type === 'tool_result')
    .map((block) => ({ toolUseId: block.tool_use_id ?? '', text: textOf(block.content), isError: !!block.is_error }));
}

/** The tool definitions the model was given in full (Claude Code's own, and MCP tools loaded by ToolSearch). */
export function toolDefinition(request: MessagesRequest, name: string) {
  return request.tools?.find((tool) => tool.name === name);
}

/** The names Claude Code listed as deferred (loadable through ToolSearch) in this request. */
export function deferredToolNames(request: MessagesRequest): string[] {
  const text = request.messages
    .filter((m) => m.role !== 'assistant')
    .map((m) => (typeof m.content === 'string' ? m.content : textOf(m.content)))
    .join('\n');
  const start = text.indexOf('deferred tools are now available via ToolSearch');
  if (start === -1) return [];
  const lines = text.slice(start).split('\n').slice(1);
  const names: string[] = [];
  for (const line of lines) {
    if (/^[A-Za-z0-9_-]+$/.test(line.trim())) names.push(line.trim());
    else if (names.length > 0) break;
  }
  return names;
}

/** The system prompt as one string. */
export function systemText(request: MessagesRequest): string {
  if (request.system === undefined) return '';
  return typeof request.system === 'string' ? request.system : request.system.map((b) => b.text).join('\n');
}

let ids = 0;
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(++ids).toString(36).padStart(6, '0')}`;

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Streams one reply as the Messages API does (message_start … message_stop). */
function streamReply(res: ServerResponse, model: string, reply: Reply): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': nextId('req'),
  });
  const usage = { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  sse(res, 'message_start', {
    type: 'message_start',
    message: {
      id: nextId('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    },
  });
  let index = 0;
  if (reply.text !== undefined || !reply.toolUse?.length) {
    const text = reply.text ?? '';
    sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  for (const call of reply.toolUse ?? []) {
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: call.id ?? nextId('toolu'), name: call.name, input: {} },
    });
    const json = JSON.stringify(call.input ?? {});
    // The input arrives in pieces, as the real API sends it.
    const cut = Math.ceil(json.length / 2);
    for (const part of [json.slice(0, cut), json.slice(cut)]) {
      sse(res, 'content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: part },
      });
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  sse(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: reply.toolUse?.length ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: 5 },
  });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

/** The same reply as one JSON message, for a client that asks without `stream`. */
function jsonReply(res: ServerResponse, model: string, reply: Reply): void {
  const content: unknown[] = [];
  if (reply.text !== undefined || !reply.toolUse?.length) content.push({ type: 'text', text: reply.text ?? '' });
  for (const call of reply.toolUse ?? []) {
    content.push({ type: 'tool_use', id: call.id ?? nextId('toolu'), name: call.name, input: call.input ?? {} });
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: nextId('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: reply.toolUse?.length ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
    }),
  );
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function apiError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message } }));
}

/** Starts the stand-in on 127.0.0.1:0. */
export async function startMessagesApi(options: MessagesApiOptions): Promise<MessagesApi> {
  const requests: RecordedRequest[] = [];
  const errors: Error[] = [];
  const isMainLoop = options.isMainLoop ?? defaultIsMainLoop;
  let next = 0;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method !== 'POST') return apiError(res, 404, `no route ${req.method} ${path}`);
      const body = (await readJson(req)) as MessagesRequest;
      if (path === '/v1/messages/count_tokens') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ input_tokens: Math.ceil(JSON.stringify(body).length / 4) }));
        return;
      }
      if (path !== '/v1/messages') return apiError(res, 404, `no route POST ${path}`);
      const scripted = isMainLoop(body);
      requests.push({ path, body, scripted });
      let reply: Reply = options.sideReply ?? { text: 'ok' };
      if (scripted) {
        const turn = options.turns[next++];
        if (turn === undefined) reply = { text: 'done' };
        else if (typeof turn === 'function') {
          reply = await turn({ request: body, results: lastToolResults(body), recorded: requests });
        } else reply = turn;
      }
      if (body.stream) streamReply(res, body.model, reply);
      else jsonReply(res, body.model, reply);
    })().catch((error: unknown) => {
      errors.push(error as Error);
      if (!res.headersSent) apiError(res, 500, (error as Error).message);
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const mainRequests = () => requests.filter((r) => r.scripted).map((r) => r.body);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    errors,
    mainRequests,
    toolResults() {
      // The last main request holds the whole conversation: pair each tool_use with its result.
      const last = mainRequests().at(-1);
      if (!last) return [];
      const calls = new Map<string, { name: string; input: unknown }>();
      const out: Array<ToolResult & { tool: string; input: unknown }> = [];
      for (const message of last.messages) {
        if (typeof message.content === 'string') continue;
        for (const block of message.content) {
          if (block.type === 'tool_use') calls.set(block.id ?? '', { name: block.name ?? '', input: block.input });
          if (block.type === 'tool_result') {
            const call = calls.get(block.tool_use_id ?? '');
            out.push({
              toolUseId: block.tool_use_id ?? '',
              text: textOf(block.content),
              isError: !!block.is_error,
              tool: call?.name ?? '',
              input: call?.input,
            });
          }
        }
      }
      return out;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
