// Waiting on conditions in tests: poll a check until it holds (bounded), never a fixed sleep before an assertion.

/** Resolves after `ms`: only for polling steps and simulated work, never to wait for an outcome. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `stepMs` until it returns a truthy value; throws once `timeoutMs` has passed without one. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  stepMs = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(stepMs);
  }
}
