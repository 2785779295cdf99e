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
import type { Change, Instant, Load, Outcome, Program, Slot, Task, TaskEvent } from '@task-coordinator/core';
import { answerRound, type Dealt, type Request } from './batch-loads.js';
import { answerAlone, isSoloLoad, type Db, type SoloLoad } from './queries.js';

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

type Touch = 'point' | 'read' | 'write';

/** Who touched what: rows (one member each) and ranges (read by some, written by others). */
class Footprints {
  private readonly points = new Map<string, number>();
  private readonly reads = new Map<string, Set<number>>();
  private readonly writes = new Map<string, Set<number>>();
  private readonly byMember = new Map<number, Array<[Touch, string]>>();

  /** The other members whose touches conflict with member `n` touching `key` this way. */
  conflicts(n: number, touch: Touch, key: string): number[] {
    if (touch === 'point') {
      const holder = this.points.get(key);
      return holder === undefined || holder === n ? [] : [holder];
    }
    const others = (touch === 'read' ? this.writes : this.reads).get(key);
    return others ? [...others].filter((o) => o !== n) : [];
  }

  add(n: number, touch: Touch, key: string): void {
    if (touch === 'point') this.points.set(key, n);
    else {
      const map = touch === 'read' ? this.reads : this.writes;
      let set = map.get(key);
      if (!set) map.set(key, (set = new Set()));
      set.add(n);
    }
    let list = this.byMember.get(n);
    if (!list) this.byMember.set(n, (list = []));
    list.push([touch, key]);
  }

  release(n: number): void {
    for (const [touch, key] of this.byMember.get(n) ?? []) {
      if (touch === 'point') {
        if (this.points.get(key) === n) this.points.delete(key);
      } else (touch === 'read' ? this.reads : this.writes).get(key)?.delete(n);
    }
    this.byMember.delete(n);
  }
}

const key = (...parts: Array<string | number>) => parts.join('\u0000');
const taskKey = (project: string, id: string) => key('t', project, id);
const slotKey = (project: string, slot: number) => key('s', project, slot);

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
  private readonly program: Program<unknown>;
  /** Rows as this member loaded them: the "before" of its writes (which ranges a write leaves). */
  readonly tasks = new Map<string, Task>();
  readonly slots = new Map<string, Slot>();
  /** Slots locked along with this member's tasks, by key: what its next slot load gets. */
  readonly locked = new Map<string, Slot>();
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
      } else this.load = step.value;
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

  constructor(pendings: readonly Pending[]) {
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
      // Slots locked with their tasks are answered from memory: no round trip.
      for (const m of running) {
        for (let held = this.heldSlot(m); held !== undefined && m.state === 'running'; held = this.heldSlot(m)) {
          if (!this.touchAll(m, this.loadTouches(m, m.load as Load, held))) break;
          m.advance(held);
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
      const replies = await answerRound(db, requests, this.dealt);
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
        }
        if (!this.touchAll(m, this.loadTouches(m, load, value))) continue;
        m.advance(value);
        this.settle(m);
      }
    }
  }

  /**
   * The answer to `m`'s pending slot load when that slot was locked along with its task: it is the
   * row a query would return now, since nobody can change a row this transaction holds.
   */
  private heldSlot(m: Member): Slot | undefined {
    const load = m.load;
    if (load?.kind !== 'slot') return undefined;
    return m.locked.get(slotKey(load.project, load.slot));
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
      default:
        // Loads a command asks only when alone: nothing to share with.
        break;
    }
    return out;
  }

  /** The rows a change writes and the ranges it adds to or removes from; 'alone' when it must run alone. */
  private changeTouches(m: Member, change: Change): Array<[Touch, string]> | 'alone' {
    if (change.deleteProject !== null) return 'alone';
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
      if ((before.status === 'available' || t.status === 'available') && !m.dealt.has(k)) out.push(['write', key('a', t.project)]);
      if (before.status !== t.status && (before.status === 'blocked' || t.status === 'blocked')) {
        for (const dep of t.dependencies) out.push(['write', key('d', t.project, dep)]);
      }
      for (const worker of [before.worker, t.worker]) if (worker !== null) out.push(['write', key('w', t.project, worker)]);
    }
    for (const s of change.insertSlots) {
      out.push(['point', slotKey(s.project, s.slot)], ['write', key('h', s.project)]);
      if (s.worker !== null) out.push(['write', key('ws', s.project, s.worker)]);
    }
    for (const s of change.updateSlots) {
      const k = slotKey(s.project, s.slot);
      const before = m.slots.get(k);
      if (!before) return 'alone';
      out.push(['point', k]);
      for (const worker of [before.worker, s.worker]) if (worker !== null) out.push(['write', key('ws', s.project, worker)]);
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
