// Paging through a cursor-paged list (tasks by `cursor`/`nextCursor`): the one loop every reader uses.
import type { Task } from './model.js';

/** Where the next page starts: spread it into the list query (empty for the first page). */
export type After = { cursor: string } | Record<string, never>;

/**
 * Every page of a cursor-paged list, in order. `fetch` gets the previous page's cursor to spread
 * into its query; paging stops after a page without `nextCursor`, or after `maxPages`.
 */
export async function* pages<P extends { nextCursor: string | null }>(
  fetch: (after: After) => Promise<P>,
  maxPages = Number.POSITIVE_INFINITY,
): AsyncGenerator<P, void, undefined> {
  let after: After = {};
  for (let n = 0; n < maxPages; n++) {
    const page = await fetch(after);
    yield page;
    if (!page.nextCursor) return;
    after = { cursor: page.nextCursor };
  }
}

/** Every task of a cursor-paged listing, page after page (see `pages`). */
export async function allPages(
  fetch: (after: After) => Promise<{ tasks: Task[]; nextCursor: string | null }>,
  maxPages?: number,
): Promise<Task[]> {
  const tasks: Task[] = [];
  for await (const page of pages(fetch, maxPages)) tasks.push(...page.tasks);
  return tasks;
}
