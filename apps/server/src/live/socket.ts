// Socket.IO: every committed event to the clients of its project, and gap-free resume from a seq.
//
// Protocol. Connect with `auth: { token?, project?, lastSeq? }`. With lastSeq, the server first
// sends every event after it (from the store), then the live ones, in seq order, no gap and no
// repeat; then 'ready' {lastSeq}. A client keeps lastSeq up to date (socket.io-client re-reads a
// function `auth` on every reconnect) and so resumes where it stopped, even across server restarts.
// Further behind than MAX_BACKLOG events, or behind events retention has pruned, it gets 'resync'
// and should reload the board instead.
import type { Server, Socket } from 'socket.io';
import { ProjectOrDefaultSchema, type Store, type TaskEvent } from '@task-coordinator/core';
import type { RequestGuard } from '../http/security.js';
import type { Logger } from '../http/errors.js';

export const MAX_BACKLOG = 10_000;
const PAGE = 1000;

interface Syncing {
  buffer: TaskEvent[];
}

function bearerOf(socket: Socket): unknown {
  const auth = socket.handshake.auth as { token?: unknown } | undefined;
  if (auth?.token !== undefined) return auth.token;
  const header = socket.handshake.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  return match?.[1];
}

export function attachLive(io: Server, store: Store, guard: RequestGuard, log: Logger): () => void {
  const syncing = new Map<Socket, Syncing>();
  const room = (project: string) => `project:${project}`;

  io.use((socket, next) => {
    if (!guard.tokenMatches(bearerOf(socket))) {
      next(
        Object.assign(new Error('UNAUTHORIZED'), {
          data: { code: 'UNAUTHORIZED', message: 'a valid token is required' },
        }),
      );
      return;
    }
    const parsed = ProjectOrDefaultSchema.safeParse(
      (socket.handshake.auth as { project?: unknown } | undefined)?.project,
    );
    if (!parsed.success) {
      next(
        Object.assign(new Error('VALIDATION_FAILED'), {
          data: { code: 'VALIDATION_FAILED', message: 'invalid project' },
        }),
      );
      return;
    }
    socket.data.project = parsed.data;
    next();
  });

  const unsubscribe = store.subscribe((event) => {
    // Encoding a packet for an empty room is wasted work on the hot path (one local adapter here).
    const name = room(event.project);
    if (io.sockets.adapter.rooms.get(name)?.size) io.to(name).emit('event', event);
    for (const [socket, state] of syncing) if (socket.data.project === event.project) state.buffer.push(event);
  });

  io.on('connection', (socket) => {
    const project = socket.data.project as string;
    const lastSeq = (socket.handshake.auth as { lastSeq?: unknown } | undefined)?.lastSeq;
    // Clients send nothing but the handshake; anything else they emit is ignored.
    if (typeof lastSeq !== 'number' || !Number.isSafeInteger(lastSeq) || lastSeq < 0) {
      socket.join(room(project));
      store.stats({ project }).then(
        (stats) => socket.emit('ready', { lastSeq: stats.lastSeq }),
        (error: unknown) => log('socket ready failed', error),
      );
      return;
    }
    const state: Syncing = { buffer: [] };
    syncing.set(socket, state);
    const backlog: TaskEvent[] = [];
    void (async () => {
      try {
        // A seq this store never reached (a recreated or restored database): the client's view is
        // of another history, so it must reload rather than resume.
        const current = (await store.stats({ project })).lastSeq;
        // Events the client missed that retention has since pruned: a replay would skip them, so it
        // must reload. (The oldest retained event of any project stands in for this project's.)
        const oldest = lastSeq > current ? [] : await store.events({ afterSeq: 0, limit: 1 });
        if (lastSeq > current || (oldest[0] !== undefined && oldest[0].seq > lastSeq + 1)) {
          syncing.delete(socket);
          socket.join(room(project));
          socket.emit('resync', { lastSeq: current });
          return;
        }
        let after = lastSeq;
        for (;;) {
          const page = await store.events({ project, afterSeq: after, limit: PAGE });
          backlog.push(...page);
          if (page.length < PAGE) break;
          after = page.at(-1)!.seq;
          if (backlog.length > MAX_BACKLOG) {
            syncing.delete(socket);
            socket.join(room(project));
            socket.emit('resync', { lastSeq: (await store.stats({ project })).lastSeq });
            return;
          }
        }
        // No await from here on: nothing can be emitted between the catch-up and joining the room.
        if (!socket.connected) return;
        let sent = lastSeq;
        for (const event of [...backlog, ...state.buffer]) {
          if (event.seq <= sent) continue;
          socket.emit('event', event);
          sent = event.seq;
        }
        syncing.delete(socket);
        socket.join(room(project));
        socket.emit('ready', { lastSeq: sent });
      } catch (error) {
        log('socket resume failed', error);
        syncing.delete(socket);
        socket.disconnect(true);
      }
    })();
    socket.on('disconnect', () => syncing.delete(socket));
  });

  return () => {
    unsubscribe();
    syncing.clear();
  };
}
