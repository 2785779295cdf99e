// The durable half of a commit, off the event loop: an fsync of the WAL file on libuv's thread pool.
//
// The connection commits with synchronous=NORMAL: COMMIT appends the group's frames to the WAL
// with write() and returns without syncing (tens of microseconds). A commit is made durable by
// fsync(2) of the WAL file, which this class runs with fs.fsync (a thread-pool job), so request
// parsing, validation, long-poll wake-ups and Socket.IO go on meanwhile. WAL recovery keeps the
// longest prefix of transactions whose frames are all present and checksum-valid (the checksums
// chain from frame to frame), so once an fsync that started after a COMMIT returns, that
// transaction and every one before it survive power loss: what synchronous=FULL gives, which would
// instead fsync inside COMMIT on the event loop. SQLite still syncs the WAL before each
// checkpoint and the WAL header when it reuses the file, as NORMAL always does.
//
// One fsync at a time, and no commit while it runs: the backend holds the commands that arrive
// meanwhile (`syncing`) and commits them all when it returns, just before the next fsync, which
// covers them (group commit across fsyncs). Writing to the WAL while it is being synced made each
// fsync wait for the pages written during it: 4-5 ms instead of 0.1-0.4 ms on the reference
// machine (an fsync loop beside a writer of 5 pages per turn; 20 and 60 pages alike), and every
// command waited for about two of them. Callbacks are called in the order they were registered.
//
// An fsync starts one turn of the event loop after the first commit that needs it, and
// `beforeSync` (the backend commits what is queued) runs just before it: so the commands issued
// meanwhile share it. A long-poll waiter woken by a commit (see SqliteBackend.onCommitted)
// claims in that turn, and its claim is durable with the same fsync as the task it takes.
import { closeSync, fsync as nodeFsync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DomainError } from '@task-coordinator/core';

/** fs.fsync's shape; tests pass their own to hold or fail the sync. */
export type FsyncFn = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void;

/** Called once what was committed before `after` is on disk (null), or with the failure. Must not throw. */
export type Durable = (error: DomainError | null) => void;

export class WalSync {
  private fd: number | null = null;
  private waiting: Durable[] = [];
  private running = false;
  /** An fsync is to start at the next turn (set by `after` when none is running). */
  private scheduled = false;
  private failure: DomainError | null = null;
  private idle: Array<() => void> = [];
  /** fsyncs run so far: commits per fsync is the cross-fsync group factor. */
  syncs = 0;

  constructor(
    private readonly walFile: string,
    private readonly fsync: FsyncFn = nodeFsync,
    /**
     * Runs just before each fsync starts, and after a failed one; whatever it commits is covered by
     * that fsync (after a failure it commits nothing: the backend refuses what it holds). Must not throw.
     */
    private readonly beforeSync: () => void = () => undefined,
    /** Whether the backend holds commands for the next fsync (it commits none while one runs). */
    private readonly pending: () => boolean = () => false,
  ) {}

  /** An fsync is running: the backend holds its commands until it returns (see the file's header). */
  get syncing(): boolean {
    return this.running;
  }

  /** Set once an fsync failed: the file's state on disk is unknown, nothing more is acknowledged. */
  get failed(): DomainError | null {
    return this.failure;
  }

  /** Calls `done` when everything committed before this call is on disk (at once with the failure if one happened). */
  after(done: Durable): void {
    if (this.failure) return done(this.failure);
    this.waiting.push(done);
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.running) this.run();
    });
  }

  private run(): void {
    this.running = true;
    // Commits made by `beforeSync` register here (running is set): this fsync covers them.
    this.beforeSync();
    const batch = this.waiting;
    this.waiting = [];
    let fd: number;
    try {
      fd = this.open();
    } catch (error) {
      this.finish(batch, error as NodeJS.ErrnoException);
      return;
    }
    this.fsync(fd, (error) => this.finish(batch, error));
  }

  private finish(batch: Durable[], error: NodeJS.ErrnoException | null): void {
    this.syncs++;
    if (error) {
      // After a failed fsync the kernel may have dropped the dirty pages: whether these commits
      // are on disk is unknown, and so is everything after. Refuse from here on (fsyncgate).
      this.failure ??= new DomainError(
        'STORE_UNAVAILABLE',
        `the SQLite write-ahead log could not be synced to disk (${error.code ?? error.message}); the outcome of the last commands is unknown and the store refuses further writes`,
        { file: this.walFile },
        { cause: error },
      );
      batch.push(...this.waiting.splice(0));
    }
    // Still `running` while the callbacks run: what they issue is held for the next fsync.
    for (const done of batch) done(this.failure);
    this.running = false;
    if (this.failure) this.beforeSync();
    else if (this.waiting.length || this.pending()) return this.run();
    for (const done of this.idle.splice(0)) done();
  }

  private open(): number {
    if (this.fd !== null) return this.fd;
    this.fd = openSync(this.walFile, 'r');
    // The WAL's directory entry too, once: a file created since the last directory sync could
    // otherwise vanish with its contents.
    const dir = openSync(dirname(this.walFile), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return this.fd;
  }

  /** Waits for the fsync in flight (and the ones queued behind it), then closes the file. */
  async close(): Promise<void> {
    while (this.running || this.scheduled) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
