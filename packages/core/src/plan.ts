// Plans and templates: a graph of tasks given as data, checked whole (every error names its entry) and
// instantiated under an id prefix with {{parameters}} filled in, so one workflow can be started many times.
import { z } from 'zod';
import { DomainError, type ErrorCode } from './errors.js';
import { CreateTaskInputSchema, LIMITS, ProjectSchema, TaskIdSchema, type CreateTaskInput } from './schemas.js';

const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PLACEHOLDER = /\{\{\s*([^{}\s]*)\s*\}\}/g;

const ParameterSchema = z
  .strictObject({
    description: z.string().max(1024).optional(),
    default: z.string().max(LIMITS.descriptionMaxBytes).optional(),
  })
  .nullable();

/** A task of a plan: an add with a required id (dependencies name plan entries or tasks already on the board). */
export const PlanTaskSchema = CreateTaskInputSchema.extend({ id: TaskIdSchema });
export type PlanTask = z.output<typeof PlanTaskSchema>;

export const PlanSchema = z.strictObject({
  name: z.string().min(1).max(128).optional().describe('What the plan or template is called'),
  description: z.string().max(4096).optional(),
  project: ProjectSchema.optional().describe('Project to add to, unless the request names one'),
  parameters: z
    .record(z.string().regex(PARAMETER_NAME, 'parameter names are letters, digits and _'), ParameterSchema)
    .optional()
    .describe("A template's {{parameters}}: name → {description, default}"),
  tasks: z.array(z.unknown()).min(1).max(LIMITS.batchMax),
});

/** Where an entry of the plan document starts (1-based line), when the document has lines. */
export type Locate = (path: ReadonlyArray<string | number>) => number | null;

export interface InstantiateOptions {
  /** Prepended to every id of the plan and to dependencies that name plan entries. */
  prefix?: string;
  /** Values for {{parameters}}; a declared parameter without a value takes its default. */
  parameters?: Record<string, string>;
  locate?: Locate;
}

export interface PlanEdge {
  /** The dependency. */
  from: string;
  /** The task that waits for it. */
  to: string;
}

export interface PlanInstance {
  name: string | null;
  project: string | null;
  /** The tasks to add, ids prefixed, placeholders filled, in plan order. */
  tasks: Array<PlanTask & CreateTaskInput>;
  edges: PlanEdge[];
  /** Dependencies that are not plan entries: they must exist on the board. */
  external: string[];
  /** Plan entry index of each (prefixed) id. */
  entryOf: Map<string, number>;
}

export interface PlanIssue {
  path: string;
  line: number | null;
  message: string;
}

function pathText(path: ReadonlyArray<string | number | symbol>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(plan)';
}

/** A rejected plan: the code, every issue with its entry path and line, and a message naming the first. */
export function planError(code: ErrorCode, issues: PlanIssue[], extra: Record<string, unknown> = {}): DomainError {
  const first = issues[0] as PlanIssue;
  const where = `${first.path}${first.line === null ? '' : ` (line ${first.line})`}`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new DomainError(code, `plan rejected: ${where}: ${first.message}${more}`, {
    ...extra,
    issues: issues.slice(0, 50),
  });
}

function issueAt(path: ReadonlyArray<string | number>, message: string, locate: Locate | undefined): PlanIssue {
  return { path: pathText(path), line: locate?.(path) ?? null, message };
}

/** Fills {{name}} in every string of `value`; names a placeholder that has no value. */
function fill(
  value: unknown,
  path: Array<string | number>,
  values: Map<string, string>,
  issues: PlanIssue[],
  locate: Locate | undefined,
): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (whole, name: string) => {
      const found = values.get(name);
      if (found === undefined) {
        issues.push(
          issueAt(
            path,
            `{{${name}}} is not a parameter of this plan${values.size ? ` (parameters: ${[...values.keys()].join(', ')})` : ''}`,
            locate,
          ),
        );
        return whole;
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => fill(item, [...path, i], values, issues, locate));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = fill(item, [...path, key], values, issues, locate);
    return out;
  }
  return value;
}

/** The first dependency cycle among plan entries, as ids from a task back to itself; null when none. */
function findCycle(
  tasks: ReadonlyArray<{ id: string; dependencies?: string[] | undefined }>,
  inPlan: ReadonlySet<string>,
): string[] | null {
  const deps = new Map(tasks.map((t) => [t.id, (t.dependencies ?? []).filter((d) => inPlan.has(d))] as const));
  const state = new Map<string, 'open' | 'done'>();
  for (const start of deps.keys()) {
    if (state.has(start)) continue;
    // Iterative DFS: a plan may be a 10,000-task chain.
    const stack: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length) {
      const top = stack[stack.length - 1] as { id: string; next: number };
      const children = deps.get(top.id) as string[];
      if (top.next === children.length) {
        state.set(top.id, 'done');
        stack.pop();
        continue;
      }
      const child = children[top.next++] as string;
      const seen = state.get(child);
      if (seen === 'open') {
        const from = stack.findIndex((frame) => frame.id === child);
        return [...stack.slice(from).map((frame) => frame.id), child];
      }
      if (seen === undefined) {
        state.set(child, 'open');
        stack.push({ id: child, next: 0 });
      }
    }
  }
  return null;
}

/**
 * Checks a plan document whole and instantiates it. Throws VALIDATION_FAILED (bad shape, bad
 * field, unknown parameter, duplicate id) or DEPENDENCY_CYCLE, with every issue naming its entry
 * path and line. Dependencies outside the plan are returned in `external` for the caller to check
 * against the board; the store checks everything again when it adds the tasks, atomically.
 */
export function instantiatePlan(document: unknown, options: InstantiateOptions = {}): PlanInstance {
  const { locate } = options;
  const shape = PlanSchema.safeParse(document);
  if (!shape.success) {
    throw planError(
      'VALIDATION_FAILED',
      shape.error.issues.map((issue) =>
        issueAt(
          issue.path as Array<string | number>,
          issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
          locate,
        ),
      ),
    );
  }
  const plan = shape.data;
  const issues: PlanIssue[] = [];
  const values = new Map<string, string>();
  for (const [name, spec] of Object.entries(plan.parameters ?? {})) {
    const given = options.parameters?.[name];
    if (given !== undefined) values.set(name, given);
    else if (spec?.default !== undefined) values.set(name, spec.default);
    else issues.push(issueAt(['parameters', name], `parameter ${name} needs a value`, locate));
  }
  for (const name of Object.keys(options.parameters ?? {})) {
    if (!values.has(name))
      issues.push({ path: `parameters.${name}`, line: null, message: `${name} is not a parameter of this plan` });
  }
  if (issues.length) throw planError('VALIDATION_FAILED', issues);

  const prefix = options.prefix ?? '';
  if (prefix !== '' && !/^[A-Za-z0-9._:/-]{1,64}$/.test(prefix)) {
    throw planError('VALIDATION_FAILED', [
      { path: 'prefix', line: null, message: 'must be 1-64 characters of letters, digits and . _ : / -' },
    ]);
  }

  const filled = plan.tasks.map((task, i) => fill(task, ['tasks', i], values, issues, locate));
  if (issues.length) throw planError('VALIDATION_FAILED', issues);
  const parsed: PlanTask[] = [];
  filled.forEach((task, i) => {
    const result = PlanTaskSchema.safeParse(task);
    if (result.success) parsed.push(result.data);
    else
      for (const issue of result.error.issues) {
        issues.push(
          issueAt(
            ['tasks', i, ...(issue.path as Array<string | number>)],
            issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
            locate,
          ),
        );
      }
  });
  if (issues.length) throw planError('VALIDATION_FAILED', issues);

  const entryOf = new Map<string, number>();
  parsed.forEach((task, i) => {
    const earlier = entryOf.get(task.id);
    if (earlier !== undefined)
      issues.push(issueAt(['tasks', i, 'id'], `id ${task.id} is used again (first at tasks[${earlier}])`, locate));
    else entryOf.set(task.id, i);
  });
  if (issues.length) throw planError('VALIDATION_FAILED', issues);

  const inPlan = new Set(entryOf.keys());
  const cycle = findCycle(parsed, inPlan);
  if (cycle) {
    const entry = entryOf.get(cycle[0] as string) as number;
    throw planError(
      'DEPENDENCY_CYCLE',
      [issueAt(['tasks', entry, 'dependencies'], `dependency cycle: ${cycle.join(' → ')}`, locate)],
      { cycle },
    );
  }

  const rename = (id: string) => `${prefix}${id}`;
  const tasks: PlanInstance['tasks'] = [];
  const edges: PlanEdge[] = [];
  const external = new Set<string>();
  const finalEntryOf = new Map<string, number>();
  parsed.forEach((task, i) => {
    const id = rename(task.id);
    if (!TaskIdSchema.safeParse(id).success)
      issues.push(
        issueAt(
          ['tasks', i, 'id'],
          `id ${id} (with the prefix) is longer than ${LIMITS.idMaxLength} characters`,
          locate,
        ),
      );
    const dependencies = (task.dependencies ?? []).map((dep) => {
      if (inPlan.has(dep)) return rename(dep);
      external.add(dep);
      return dep;
    });
    for (const dep of dependencies) edges.push({ from: dep, to: id });
    finalEntryOf.set(id, i);
    tasks.push({ ...task, id, ...(task.dependencies ? { dependencies } : {}) });
  });
  if (issues.length) throw planError('VALIDATION_FAILED', issues);
  return {
    name: plan.name ?? null,
    project: plan.project ?? null,
    tasks,
    edges,
    external: [...external].sort(),
    entryOf: finalEntryOf,
  };
}

/** The plan entry that owns each external dependency, for an error naming every entry that needs a missing task. */
export function unknownDependencyError(
  instance: PlanInstance,
  missing: readonly string[],
  locate?: Locate,
): DomainError {
  const lost = new Set(missing);
  const issues: PlanIssue[] = [];
  instance.tasks.forEach((task, i) => {
    (task.dependencies ?? []).forEach((dep, j) => {
      if (lost.has(dep))
        issues.push(
          issueAt(
            ['tasks', i, 'dependencies', j],
            `depends on ${dep}, which is neither a plan entry nor a task on the board`,
            locate,
          ),
        );
    });
  });
  return planError('UNKNOWN_DEPENDENCY', issues, { missing: [...missing] });
}
