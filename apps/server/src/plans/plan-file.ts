// Plan documents: YAML or JSON text parsed with line positions, instantiated by core, added atomically.
import { createHash } from 'node:crypto';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import {
  DEFAULT_PROJECT,
  DomainError,
  LIMITS,
  PLAN_LABEL_PREFIX,
  instantiatePlan,
  planError,
  unknownDependencyError,
  type Locate,
  type PlanEdge,
  type PlanInstance,
  type PlanTask,
  type Store,
} from '@task-coordinator/core';

export interface ParsedPlanText {
  document: unknown;
  locate: Locate;
}

/**
 * Parses YAML (JSON is YAML too, so one parser serves both and both get line numbers). A syntax
 * error is VALIDATION_FAILED naming its line.
 */
export function parsePlanText(text: string): ParsedPlanText {
  const lineCounter = new LineCounter();
  // uniqueKeys: a task given "dependencies" twice is a mistake, not a silent override.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    throw planError(
      'VALIDATION_FAILED',
      doc.errors.slice(0, 10).map((error) => ({
        path: '(plan)',
        line: lineCounter.linePos(error.pos[0]).line,
        message: error.message.split('\n')[0] as string,
      })),
    );
  }
  const locate: Locate = (path) => {
    let node: unknown = doc.contents;
    let line: number | null = null;
    const lineOf = (n: unknown) => {
      const range = (n as Node | null)?.range;
      if (range) line = lineCounter.linePos(range[0]).line;
    };
    lineOf(node);
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
        if (!pair) break;
        // A field is where its key is written (its value may start on the next line).
        lineOf(pair.key);
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        if (!node) break;
        lineOf(node);
      } else break;
    }
    return line;
  };
  let document: unknown;
  try {
    document = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw planError('VALIDATION_FAILED', [{ path: '(plan)', line: null, message: (error as Error).message }]);
  }
  return { document, locate };
}

export interface LoadPlanInput {
  /** YAML or JSON text, or an already parsed document. */
  plan: string | Record<string, unknown>;
  prefix?: string | undefined;
  parameters?: Record<string, string> | undefined;
  /** Overrides the plan's own project. */
  project?: string | undefined;
  /** Check and describe only; add nothing. */
  dryRun?: boolean | undefined;
}

export interface LoadPlanResult {
  name: string | null;
  project: string;
  dryRun: boolean;
  tasks: PlanTask[];
  edges: PlanEdge[];
  /** Ids added now (empty on a dry run, and on an identical re-run: adding is idempotent). */
  created: string[];
}

/**
 * The label every task of one plan load carries: `plan:` + the plan's first task id (ids are
 * unique in a project, so two loads never share a key), or a hash of it when that is longer than
 * a label may be. The webhook dispatcher finds a plan's tasks by it to tell when the plan finished
 * (core rules/webhooks.ts `planFinished`); people can filter the board and claims by it too.
 */
export function planLabel(firstTaskId: string): string {
  const plain = `${PLAN_LABEL_PREFIX}${firstTaskId}`;
  if (plain.length <= LIMITS.labelMaxLength) return plain;
  return `${PLAN_LABEL_PREFIX}h-${createHash('sha256').update(firstTaskId).digest('hex').slice(0, 24)}`;
}

function labelPlanTasks(instance: PlanInstance, locate: Locate | undefined): void {
  const label = planLabel((instance.tasks[0] as { id: string }).id);
  instance.tasks.forEach((task, entry) => {
    const labels = task.labels ?? [];
    if (labels.includes(label)) return;
    if (labels.length >= LIMITS.labelsMax)
      throw planError('VALIDATION_FAILED', [
        {
          path: `tasks[${entry}].labels`,
          line: locate?.(['tasks', entry, 'labels']) ?? null,
          message: `a plan's task may carry at most ${LIMITS.labelsMax - 1} labels: the plan adds its own (${label})`,
        },
      ]);
    task.labels = [...labels, label];
  });
}

/**
 * Checks a plan whole, then adds every task in one atomic batch (all or none). Dependencies outside
 * the plan must already be on the board; the store checks everything again inside the transaction.
 */
export async function loadPlan(store: Store, input: LoadPlanInput): Promise<LoadPlanResult> {
  const { document, locate } =
    typeof input.plan === 'string' ? parsePlanText(input.plan) : { document: input.plan, locate: undefined };
  const instance = instantiatePlan(document, {
    ...(input.prefix !== undefined ? { prefix: input.prefix } : {}),
    ...(input.parameters !== undefined ? { parameters: input.parameters } : {}),
    ...(locate ? { locate } : {}),
  });
  const project = input.project ?? instance.project ?? DEFAULT_PROJECT;
  const missing: string[] = [];
  for (const id of instance.external) {
    try {
      await store.getTask({ project, taskId: id });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'TASK_NOT_FOUND') missing.push(id);
      else throw error;
    }
  }
  if (missing.length) throw unknownDependencyError(instance, missing, locate);
  labelPlanTasks(instance, locate);
  const base = { name: instance.name, project, tasks: instance.tasks, edges: instance.edges };
  if (input.dryRun) return { ...base, dryRun: true, created: [] };
  try {
    const { created } = await store.addTasks({ project, tasks: instance.tasks });
    return { ...base, dryRun: false, created };
  } catch (error) {
    // Name the entry for what only the board can say (an id taken with other content, a race).
    const taskId = error instanceof DomainError ? (error.details?.taskId as string | undefined) : undefined;
    const entry = taskId === undefined ? undefined : instance.entryOf.get(taskId);
    if (error instanceof DomainError && entry !== undefined) {
      throw planError(
        error.code,
        [{ path: `tasks[${entry}]`, line: locate?.(['tasks', entry]) ?? null, message: error.message }],
        error.details ?? {},
      );
    }
    throw error;
  }
}
