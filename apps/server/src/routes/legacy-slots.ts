// Slots an original client has given back with update-task but not yet released by number.
//
// An original client's cycle ends with `update-task done`, which gives its slot back (as the
// original server did), then `release-worker-slot {slot}`, which frees a slot whoever holds it
// (the original let any client free any slot). Between the two, another original client's
// `claim-worker-slot` used to get that very slot (the lowest free one), and the late release then
// freed the newcomer's slot: its `claim-task` failed with SLOT_NOT_HELD, or with "held by" when a
// third client took the slot in between. In a loop of 16 clients on 20 slots that was a quarter of
// all claims. So a slot given back this way is taken by an original client only when no other is
// free (`avoidSlots`), until its release arrives. It is a preference, never a reservation: with
// every other slot taken, the slot is handed out as before, and nothing here decides who holds what.
//
// Kept per process (a replica knows what its own clients gave back) and bounded: a slot number is
// kept once, and worker ids are remembered for the most recent claims only.

/** Claims remembered by worker id (the newest kept): a claim-task names its slot, update-task does not. */
const MAX_REMEMBERED_CLAIMS = 10_000;

export class ReturnedSlots {
  /** The slot each worker claimed its task with, from claim-task. */
  private readonly claimedIn = new Map<string, number>();
  /** Slots given back by update-task whose release-worker-slot has not arrived. */
  private readonly returned = new Set<number>();

  /** A claim-task naming `slot` succeeded for `worker`. */
  claimed(worker: string, slot: number): void {
    this.claimedIn.delete(worker);
    this.claimedIn.set(worker, slot);
    if (this.claimedIn.size > MAX_REMEMBERED_CLAIMS)
      this.claimedIn.delete(this.claimedIn.keys().next().value as string);
    this.returned.delete(slot);
  }

  /**
   * An update-task of `worker` that gives its slot back is about to run. Marked before it commits:
   * the slot is free from then on, before the answer is back. Should it fail, the mark stays until
   * the slot is released or claimed with: a preference, harmless when wrong.
   */
  finishing(worker: string): void {
    const slot = this.claimedIn.get(worker);
    if (slot === undefined) return;
    this.claimedIn.delete(worker);
    this.returned.add(slot);
  }

  /** A release-worker-slot of `slot` arrived. */
  released(slot: number): void {
    this.returned.delete(slot);
  }

  /** The slots a claim-worker-slot should take only when no other is free. */
  avoid(): number[] {
    return [...this.returned];
  }
}

const perStore = new WeakMap<object, ReturnedSlots>();

/** The tracker of one store (the original endpoints on every port of a server share it). */
export function returnedSlotsOf(store: object): ReturnedSlots {
  let slots = perStore.get(store);
  if (!slots) {
    slots = new ReturnedSlots();
    perStore.set(store, slots);
  }
  return slots;
}
