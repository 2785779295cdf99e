// The in-memory ready set: available tasks kept sorted in claim order, so claim-next reads the front.
import type { Task } from '../model.js';
import { compareClaimOrder } from '../rules/claim.js';

export interface Row {
  task: Task;
  /** Creation order, unique and increasing across the store. */
  ord: number;
}

export class ReadyIndex {
  private readonly rows: Row[] = [];

  get size(): number {
    return this.rows.length;
  }

  /** First position whose row sorts at or after `row` (binary search, O(log n)). */
  private lowerBound(row: Row): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareClaimOrder(this.rows[mid] as Row, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(row: Row): void {
    this.rows.splice(this.lowerBound(row), 0, row);
  }

  /** Removes the entry for `row`, located by the sort key it was added with. */
  remove(row: Row): void {
    const at = this.lowerBound(row);
    if (this.rows[at]?.ord === row.ord) this.rows.splice(at, 1);
  }

  /** The first row in claim order that `accept` takes. */
  first(accept: (row: Row) => boolean): Row | null {
    for (const row of this.rows) if (accept(row)) return row;
    return null;
  }

  /** The rows `accept` takes, `limit` of them after the first `offset`, in claim order. */
  page(accept: (row: Row) => boolean, offset: number, limit: number): Row[] {
    const out: Row[] = [];
    let seen = 0;
    for (const row of this.rows) {
      if (!accept(row)) continue;
      if (seen++ < offset) continue;
      out.push(row);
      if (out.length >= limit) break;
    }
    return out;
  }

  clear(): void {
    this.rows.length = 0;
  }
}
