// add and batch add: all-or-nothing, members may depend on each other, unknown deps and cycles refused.
import { DomainError } from '../errors.js';
import type { Task, TaskStatus } from '../model.js';
import { ask, type Program } from '../engine/program.js';
import { ChangeSet } from '../engine/change-set.js';
import type { RuleContext } from '../config.js';
import type { AddTasksInputSchema, CreateTaskInputSchema } from '../schemas.js';
import type { z } from 'zod';
import { failValidation } from '../validate.js';
import { newTask } from '../engine/event-row.js';
import { dependencyMet } from './transitions.js';

export type ParsedCreateTask = z.output<typeof CreateTaskInputSchema>;
export type ParsedAddTasks = z.output<typeof AddTasksInputSchema>;

export interface AddTasksResult {
  /** The tasks of the batch, in input order (existing ones as stored). */
  tasks: Task[];
  /** Ids newly created by this call. */
  created: string[];
  /** Ids that already existed with identical content (an idempotent retry). */
  existing: string[];
}

const sortedUnique = (values: readonly string[] | undefined): string[] => [...new Set(values ?? [])].sort();

/** The fields that make two adds "the same task": an identical re-add is an idempotent retry. */
function sameContent(stored: Task, wanted: Task): boolean {
  return (
    stored.description === wanted.description &&
    stored.priority === wanted.priority &&
    stored.deadline === wanted.deadline &&
    stored.maxAttempts === wanted.maxAttempts &&
    stored.review === wanted.review &&
    stored.dependencies.join('\n') === wanted.dependencies.join('\n') &&
    stored.labels.join('\n') === wanted.labels.join('\n') &&
    stored.files.join('\n') === wanted.files.join('\n')
  );
}

/** Finds one cycle among `ids` (each maps to its in-batch dependencies) for the error message. */
function findCycle(ids: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, 'open' | 'closed'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    state.set(id, 'open');
    stack.push(id);
    for (const dep of edges.get(id) ?? []) {
      const seen = state.get(dep);
      if (seen === 'open') return [...stack.slice(stack.indexOf(dep)), dep];
      if (seen === undefined) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'closed');
    return null;
  };
  for (const id of ids) {
    if (state.has(id)) continue;
    const found = visit(id);
    if (found) return found;
  }
  return [...ids];
}

export function* addTasks(ctx: RuleContext, input: ParsedAddTasks): Program<AddTasksResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);

  const wanted: Task[] = input.tasks.map((spec) =>
    newTask({
      id: spec.id ?? ctx.newId(),
      project,
      description: spec.description,
      status: 'blocked',
      priority: spec.priority ?? 0,
      dependencies: sortedUnique(spec.dependencies),
      labels: sortedUnique(spec.labels),
      deadline: spec.deadline ?? null,
      output: spec.output ?? null,
      maxAttempts: spec.maxAttempts ?? ctx.config.defaultMaxAttempts,
      review: spec.review ?? false,
      files: spec.files ?? [],
      at: ctx.now,
    }),
  );

  const indexOf = new Map<string, number>();
  wanted.forEach((task, i) => {
    const first = indexOf.get(task.id);
    if (first !== undefined) {
      failValidation(`task id ${task.id} appears twice in the batch (entries ${first} and ${i})`, [
        { path: `tasks[${i}].id`, message: `duplicate of tasks[${first}].id` },
      ]);
    }
    indexOf.set(task.id, i);
    if (task.dependencies.includes(task.id)) {
      throw new DomainError('DEPENDENCY_CYCLE', `task ${task.id} depends on itself`, { cycle: [task.id, task.id] });
    }
  });

  // Existing ids: identical content is an idempotent retry, anything else is a conflict.
  const stored = new Map(
    (yield* ask({ kind: 'tasks', project, ids: [...indexOf.keys()] })).map((t) => [t.id, t] as const),
  );
  for (const task of wanted) {
    const existing = stored.get(task.id);
    if (existing && !sameContent(existing, task)) {
      throw new DomainError('TASK_EXISTS', `task ${task.id} already exists with different content`, {
        taskId: task.id,
      });
    }
  }
  const fresh = wanted.filter((task) => !stored.has(task.id));
  const freshIds = new Set(fresh.map((t) => t.id));

  // Dependencies outside the new tasks must exist (in the store); their status decides blocking.
  const outside = [...new Set(fresh.flatMap((t) => t.dependencies.filter((d) => !freshIds.has(d))))];
  const statuses: Map<string, TaskStatus> = outside.length
    ? yield* ask({ kind: 'statuses', project, ids: outside, hold: true })
    : new Map();
  for (const task of fresh) {
    const missing = task.dependencies.filter((d) => !freshIds.has(d) && !statuses.has(d));
    if (missing.length) {
      throw new DomainError(
        'UNKNOWN_DEPENDENCY',
        `task ${task.id} depends on unknown task(s): ${missing.slice(0, 10).join(', ')}`,
        {
          taskId: task.id,
          missing,
        },
      );
    }
  }

  // Cycles can only run through new tasks: nothing stored can depend on a task that did not exist.
  const inBatch = new Map(fresh.map((t) => [t.id, t.dependencies.filter((d) => freshIds.has(d))] as const));
  const pending = new Map([...inBatch].map(([id, deps]) => [id, deps.length] as const));
  const dependentsOf = new Map<string, string[]>();
  for (const [id, deps] of inBatch) {
    for (const d of deps) {
      const list = dependentsOf.get(d);
      if (list) list.push(id);
      else dependentsOf.set(d, [id]);
    }
  }
  const ready = [...pending].filter(([, n]) => n === 0).map(([id]) => id);
  let ordered = 0;
  while (ready.length) {
    const id = ready.pop() as string;
    ordered++;
    for (const dependent of dependentsOf.get(id) ?? []) {
      const left = (pending.get(dependent) ?? 0) - 1;
      pending.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  if (ordered < fresh.length) {
    const cycle = findCycle(
      [...pending].filter(([, n]) => n > 0).map(([id]) => id),
      inBatch,
    );
    throw new DomainError('DEPENDENCY_CYCLE', `dependency cycle: ${cycle.join(' → ')}`, { cycle });
  }

  for (const task of fresh) {
    const allDone = task.dependencies.every((d) => !freshIds.has(d) && dependencyMet(statuses.get(d)));
    const created = changes.insertTask({ ...task, status: allDone ? 'available' : 'blocked' });
    // The event carries what the task was created with; the row has the rest (nulls, zeros, the
    // event's own project/taskId/at). Kept lean: it is written once per task on the bulk-add path.
    changes.event(
      'task.added',
      project,
      { taskId: created.id },
      {
        to: created.status,
        description: created.description,
        priority: created.priority,
        dependencies: [...created.dependencies],
        labels: [...created.labels],
        deadline: created.deadline,
        maxAttempts: created.maxAttempts,
        ...(created.review ? { review: true } : {}),
        ...(created.files.length ? { files: [...created.files] } : {}),
        ...(created.output !== null ? { output: created.output } : {}),
      },
    );
  }

  const tasks = wanted.map((task) => changes.pendingTask(task.id) ?? (stored.get(task.id) as Task));
  return {
    result: {
      tasks,
      created: fresh.map((t) => t.id),
      existing: wanted.filter((t) => stored.has(t.id)).map((t) => t.id),
    },
    change: changes.build(),
  };
}
