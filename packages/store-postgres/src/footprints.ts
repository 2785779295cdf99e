// Footprints of a group's members (group.ts): which rows and ranges each touched, so two members
// that would not equal running one after the other are told apart, and the later one gives way.
export type Touch = 'point' | 'read' | 'write';

/** Who touched what: rows (one member each) and ranges (read by some, written by others). */
export class Footprints {
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

export const key = (...parts: Array<string | number>) => parts.join('\u0000');
export const taskKey = (project: string, id: string) => key('t', project, id);
export const slotKey = (project: string, slot: number) => key('s', project, slot);
