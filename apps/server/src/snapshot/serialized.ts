// Answers the snapshot hands out more than once (cached first pages) are serialised once: the
// first send keeps the bytes beside the object, later sends of the same object reuse them.
// Only objects the snapshot registered qualify, and it never changes one after registering it.
const reusable = new WeakSet<object>();
const bytes = new WeakMap<object, Buffer>();

/** Marks an answer that stays unchanged for as long as anyone holds it. */
export function serializeOnce(value: object): void {
  reusable.add(value);
}

/** The JSON bytes of a response body: cached for registered answers, fresh for anything else. */
export function jsonBytes(body: unknown): Buffer {
  if (typeof body !== 'object' || body === null || !reusable.has(body)) return Buffer.from(JSON.stringify(body));
  let cached = bytes.get(body);
  if (cached === undefined) bytes.set(body, (cached = Buffer.from(JSON.stringify(body))));
  return cached;
}
