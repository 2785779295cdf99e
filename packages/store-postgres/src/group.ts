// A group of commands run as one transaction, their programs advancing together.
//
// Why: on PostgreSQL a command costs round trips, and each round trip costs CPU on both sides
// (measured on the 2-core reference machine: ~9 statements per command, one command alone was
// 5x slower than pg-boss's 2 statements per job). A group pays one BEGIN, one statement per load
// kind per round (batch-loads.ts), one statement per table for the writes and one for the events
// (batch-writes.ts), and one COMMIT, whatever its size.
//
// Every member reads the state as it was before the group: none sees another's writes. So a group
// is only right if it equals running its members one after another, and footprints see to that:
// a member touching a row another member touched, or reading a range (the available tasks of a
// project, a worker's slots, …) another member writes to, is postponed to the next group, where
// it reads the committed result. Of two members in conflict, the later in the queue gives way, so
// postponed members go first next time and nobody starves. Claim-nexts of one project are dealt
// distinct tasks in member order, which is what running them in that order gives.
import {
  isActive,
  type Change,
  type Instant,
  type Load,
  type Outcome,
  type Program,
  type Reservation,
  type Slot,
  type Task,
  type TaskEvent,
} from '@task-coordinator/core';
import { answerRound, type Ahead, type Dealt, type Request } from './batch-loads.js';
import { answerAlone, isSoloLoad, type Db, type SoloLoad } from './queries.js';
import { Footprints, key, slotKey, taskKey, type Touch } from './footprints.js';

export interface Pending {
  program: (now: Instant) => Program<unknown>;
  clock: () => Instant;
  resolve: (value: { result: unknown; events: TaskEvent[] }) => void;
  reject: (error: unknown) => void;
  /** Runs in a group of its own: it asks a load no batch answers, or a group it was in failed. */
  solo: boolean;
  /** Attempts so far; a command running alone is retried after a conflict, up to a bound. */
  attempts: number;
}

/** How many times a claim-next finding only locked tasks asks again before it reports none. */
const MAX_AGAIN = 5;

export class Member {
  state: 'running' | 'done' | 'rejected' | 'postponed' = 'running';
  load: Load | null = null;
  outcome: Outcome<unknown> | null = null;
  error: unknown = null;
  /** Postponed because it must run alone. */
  solo = false;
  again = 0;
  /** Loads asked so far. */
  asked = 0;
  private readonly program: Program<unknown>;
  /** Rows as this member loaded them: the "before" of its writes (which ranges a write leaves). */
  readonly tasks = new Map<string, Task>();
  readonly slots = new Map<string, Slot>();
  /** Slots locked along with this member's tasks, by key: what its next slot load gets. */
  readonly locked = new Map<string, Slot>();
  /** Tasks this member locked that no task depended on: their dependents load is answered "none". */
  readonly undepended = new Set<string>();
  /** The file reservations of the tasks this member locked, by key: what its next reservations load gets. */
  readonly reserved = new Map<string, Reservation[]>();
  /** Tasks claim-next dealt to this member (taking them out of the available range is accounted for). */
  readonly dealt = new Set<string>();

  constructor(
    readonly n: number,
    readonly pending: Pending,
  ) {
    this.program = pending.program(pending.clock());
  }

  /** Runs the program to its next load or its end; a rule's error rejects this member only. */
  advance(value: unknown, first = false): void {
    try {
      const step = first ? this.program.next() : this.program.next(value);
      if (step.done) {
        this.load = null;
        this.outcome = step.value;
        this.state = 'done';
      } else {
        this.load = step.value;
        this.asked++;
      }
    } catch (error) {
      this.load = null;
      this.error = error;
      this.state = 'rejected';
    }
  }
}

export class Group {
  readonly members: Member[];
  private readonly footprints = new Footprints();
  private readonly dealt: Dealt = new Map();
  /** Available tasks read ahead for claim-nexts (see below and readAhead in batch-loads.ts). */
  private readonly ahead: Ahead = { wanted: new Map(), pool: new Map() };

  /**
   * @param skipping projects whose last claim-next passed over tasks blocked by files (its next-task load
   *   carried `skip`): reading ahead there would lock a task the claim skips, so it is not done (kept by the
   *   backend across groups).
   */
  constructor(
    pendings: readonly Pending[],
    private readonly skipping: Set<string> = new Set(),
  ) {
    this.members = pendings.map((p, n) => new Member(n, p));
  }

  private get alone(): boolean {
    return this.members.length === 1;
  }

  /** Runs every member's program to its end inside the caller's transaction (reads only). */
  async run(db: Db): Promise<void> {
    for (const m of this.members) {
      m.advance(undefined, true);
      this.settle(m);
    }
    for (;;) {
      const running = this.members.filter((m) => m.state === 'running');
      if (!running.length) return;
      // Slots locked with their tasks, and the dependents of tasks nothing depends on, are
      // answered from memory: no round trip.
      for (const m of running) {
        for (let known = this.remembered(m); known !== undefined && m.state === 'running'; known = this.remembered(m)) {
          if (!this.touchAll(m, this.loadTouches(m, m.load as Load, known.value))) {
            this.undeal(m.load as Load, known.value);
            break;
          }
          m.advance(known.value);
          this.settle(m);
        }
      }
      const requests: Request[] = [];
      let solo: Member | null = null;
      for (const m of running) {
        if (m.state !== 'running') continue;
        const load = m.load as Load;
        if (!isSoloLoad(load)) requests.push({ n: m.n, load });
        else if (this.alone) solo = m;
        else this.postpone(m, true);
      }
      if (solo) {
        solo.advance(await answerAlone(db, solo.load as SoloLoad));
        this.settle(solo);
        continue;
      }
      if (!requests.length) continue;
      // A command asking its slots first is most likely a claim-next (claimNextTask in
      // core/rules/claim.ts), whose next load is the next available task: read ahead, in this round
      // trip, one task per such member, which its nextAvailable load is answered from (remembered()).
      for (const { n, load } of requests) {
        if (load.kind !== 'workerSlots' || (this.members[n] as Member).asked !== 1) continue;
        if (this.skipping.has(load.project)) continue;
        this.ahead.wanted.set(load.project, (this.ahead.wanted.get(load.project) ?? 0) + 1);
      }
      for (const { load } of requests) {
        if (load.kind !== 'nextAvailable') continue;
        if (load.skip?.length) this.skipping.add(load.project);
        else this.skipping.delete(load.project);
      }
      const replies = await answerRound(db, requests, this.dealt, this.ahead);
      for (const { n, load } of requests) {
        const m = this.members[n] as Member;
        if (m.state !== 'running') continue;
        const reply = replies.get(n);
        if (reply === undefined) throw new Error(`no answer for a ${load.kind} load`);
        let value: unknown;
        if (reply === 'again') {
          if (++m.again < MAX_AGAIN) continue;
          value = null;
        } else {
          value = reply.value;
          for (const slot of reply.slots ?? []) m.locked.set(slotKey(slot.project, slot.slot), slot);
          for (const { id, undepended, reserved } of reply.after ?? []) {
            const k = taskKey((load as { project: string }).project, id);
            if (undepended) m.undepended.add(k);
            m.reserved.set(k, reserved);
          }
        }
        if (!this.touchAll(m, this.loadTouches(m, load, value))) continue;
        m.advance(value);
        this.settle(m);
      }
    }
  }

  /**
   * The answer to `m`'s pending load when this transaction already knows it: a slot locked along
   * with its task is the row a query would return now, since nobody can change a row this
   * transaction holds; a locked task nothing depended on once locked has no dependents now, and
   * its reservations are those read once it was locked, since edges to a task and its reservations
   * only change under a command holding it (see loadTasks in batch-loads.ts).
   */
  private remembered(m: Member): { value: unknown } | undefined {
    const load = m.load;
    if (load?.kind === 'slot') {
      const held = m.locked.get(slotKey(load.project, load.slot));
      return held === undefined ? undefined : { value: held };
    }
    if (load?.kind === 'dependents' && m.undepended.has(taskKey(load.project, load.id))) return { value: [] };
    if (load?.kind === 'nextAvailable' && load.labels === null && !load.skip?.length) {
      // The first task read ahead that no member was dealt yet: what the load's own statement
      // would deal next (the same claim order, these rows being locked by this transaction).
      const pool = this.ahead.pool.get(load.project);
      let taken = this.dealt.get(load.project);
      while (pool?.length && taken?.has((pool[0] as Task).id)) pool.shift();
      const task = pool?.shift();
      if (!task) return undefined;
      if (!taken) this.dealt.set(load.project, (taken = new Set()));
      taken.add(task.id);
      return { value: task };
    }
    if (load?.kind === 'taskReservations') {
      // In the order the load's statement gives (task, then creation): kept simple by answering
      // only when at most one of the tasks has any.
      const lists = load.taskIds.map((id) => m.reserved.get(taskKey(load.project, id)));
      if (lists.some((l) => l === undefined) || lists.filter((l) => l?.length).length > 1) return undefined;
      return { value: lists.flatMap((l) => l ?? []) };
    }
    return undefined;
  }

  /** A task read ahead that a member gave way before taking goes back, first, for the next. */
  private undeal(load: Load, value: unknown): void {
    if (load.kind !== 'nextAvailable' || value === null) return;
    const task = value as Task;
    this.dealt.get(load.project)?.delete(task.id);
    const pool = this.ahead.pool.get(load.project);
    if (pool) pool.unshift(task);
    else this.ahead.pool.set(load.project, [task]);
  }

  /** The changes of the members that completed, in member order. */
  done(): Member[] {
    return this.members.filter((m) => m.state === 'done');
  }

  postponed(): Member[] {
    return this.members.filter((m) => m.state === 'postponed');
  }

  rejected(): Member[] {
    return this.members.filter((m) => m.state === 'rejected');
  }

  /** After a program step: a rejected member lets go of what it touched; a finished one records its writes. */
  private settle(m: Member): void {
    if (m.state === 'rejected') this.footprints.release(m.n);
    else if (m.state === 'done') {
      const touches = this.changeTouches(m, (m.outcome as Outcome<unknown>).change);
      if (touches === 'alone') {
        if (!this.alone) this.postpone(m, true);
      } else this.touchAll(m, touches);
    }
  }

  private postpone(m: Member, solo = false): void {
    m.state = 'postponed';
    m.solo ||= solo;
    this.footprints.release(m.n);
  }

  /** Records what `m` touches; false when `m` gave way to an earlier member (it is postponed). */
  private touchAll(m: Member, touches: ReadonlyArray<[Touch, string]>): boolean {
    const later = new Set<number>();
    for (const [touch, k] of touches) {
      for (const o of this.footprints.conflicts(m.n, touch, k)) {
        if (o < m.n) {
          this.postpone(m);
          return false;
        }
        later.add(o);
      }
    }
    for (const o of later) this.postpone(this.members[o] as Member);
    for (const [touch, k] of touches) this.footprints.add(m.n, touch, k);
    return true;
  }

  /** What answering `load` with `value` lets member `m` see: the rows it may write, the ranges it read. */
  private loadTouches(m: Member, load: Load, value: unknown): Array<[Touch, string]> {
    const out: Array<[Touch, string]> = [];
    const rows = (tasks: readonly Task[]) => {
      for (const t of tasks) {
        const k = taskKey(t.project, t.id);
        m.tasks.set(k, t);
        out.push(['point', k]);
      }
    };
    const slots = (list: readonly Slot[]) => {
      for (const s of list) {
        const k = slotKey(s.project, s.slot);
        m.slots.set(k, s);
        out.push(['point', k]);
      }
    };
    switch (load.kind) {
      case 'tasks':
        // Ids asked for that do not exist count too: a command adding one may be in this group.
        for (const id of load.ids) out.push(['point', taskKey(load.project, id)]);
        rows(value as Task[]);
        break;
      case 'statuses':
        for (const id of load.ids) out.push(['point', taskKey(load.project, id)]);
        break;
      case 'dependents':
        out.push(['read', key('d', load.project, load.id)]);
        rows(value as Task[]);
        break;
      case 'nextAvailable': {
        out.push(['read', key('a', load.project)]);
        const task = value as Task | null;
        if (task) {
          m.dealt.add(taskKey(task.project, task.id));
          rows([task]);
        }
        break;
      }
      case 'workerTasks':
        out.push(['read', key('w', load.project, load.worker)]);
        rows(value as Task[]);
        break;
      case 'slot':
        out.push(['point', slotKey(load.project, load.slot)]);
        if (value) slots([value as Slot]);
        break;
      case 'workerSlots':
        out.push(['read', key('ws', load.project, load.worker)]);
        slots(value as Slot[]);
        break;
      case 'holdings':
        out.push(['read', key('f', load.project)]);
        break;
      case 'availablePage':
        // Candidates only: the task picked is loaded again (a point) before it is claimed.
        out.push(['read', key('a', load.project)]);
        break;
      case 'taskReservations':
        for (const id of load.taskIds) out.push(['read', key('r', load.project, id)]);
        break;
      case 'holdingsVersions':
        // Versions move with what workers hold: read like the holdings.
        out.push(['read', key('f', load.project)]);
        break;
      default:
        // Loads a command asks only when alone: nothing to share with.
        break;
    }
    return out;
  }

  /** The rows a change writes and the ranges it adds to or removes from; 'alone' when it must run alone. */
  private changeTouches(m: Member, change: Change): Array<[Touch, string]> | 'alone' {
    if (change.deleteProject !== null || change.deleteTasks.length) return 'alone';
    const out: Array<[Touch, string]> = [];
    for (const t of change.insertTasks) {
      out.push(['point', taskKey(t.project, t.id)]);
      if (t.status === 'available') out.push(['write', key('a', t.project)]);
      for (const dep of t.dependencies) out.push(['write', key('d', t.project, dep)]);
      if (t.worker !== null) out.push(['write', key('w', t.project, t.worker)]);
    }
    for (const t of change.updateTasks) {
      const k = taskKey(t.project, t.id);
      const before = m.tasks.get(k);
      if (!before) return 'alone';
      out.push(['point', k]);
      // A task claim-next dealt to this member leaves the range in deal order (see batch-loads.ts).
      if ((before.status === 'available' || t.status === 'available') && !m.dealt.has(k))
        out.push(['write', key('a', t.project)]);
      if (before.status !== t.status && (before.status === 'blocked' || t.status === 'blocked')) {
        for (const dep of t.dependencies) out.push(['write', key('d', t.project, dep)]);
      }
      for (const worker of [before.worker, t.worker])
        if (worker !== null) out.push(['write', key('w', t.project, worker)]);
      // What workers hold changes when a task declaring files starts or stops being held, or its files change.
      if (
        (before.files.length || t.files.length) &&
        (isActive(before.status) !== isActive(t.status) || before.files.join('\n') !== t.files.join('\n'))
      )
        out.push(['write', key('f', t.project)]);
    }
    for (const r of change.deleteReservations)
      out.push(['write', key('r', r.project, r.taskId)], ['write', key('f', r.project)]);
    for (const r of change.insertReservations)
      out.push(['write', key('r', r.project, r.taskId)], ['write', key('f', r.project)]);
    for (const s of change.insertSlots) {
      out.push(['point', slotKey(s.project, s.slot)], ['write', key('h', s.project)]);
      if (s.worker !== null) out.push(['write', key('ws', s.project, s.worker)]);
    }
    for (const s of change.updateSlots) {
      const k = slotKey(s.project, s.slot);
      const before = m.slots.get(k);
      if (!before) return 'alone';
      out.push(['point', k]);
      for (const worker of [before.worker, s.worker])
        if (worker !== null) out.push(['write', key('ws', s.project, worker)]);
    }
    for (const s of change.deleteSlots) {
      const k = slotKey(s.project, s.slot);
      const before = m.slots.get(k);
      if (!before) return 'alone';
      out.push(['point', k], ['write', key('h', s.project)]);
      if (before.worker !== null) out.push(['write', key('ws', s.project, before.worker)]);
    }
    return out;
  }
}
