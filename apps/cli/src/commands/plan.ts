// `tcx plan <file>`: load a plan or template through POST /plans: checked first (a dry run), then added atomically.
// The progress bar (cli-progress, on a terminal) follows the steps: read, check, load.
import { readFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { UsageError } from '../exit-codes.js';
import type { Action } from './action.js';

interface PlanResult {
  name: string | null;
  project: string;
  dryRun: boolean;
  tasks: Array<{ id: string }>;
  edges: unknown[];
  created: string[];
}

/** A bar on a terminal, nothing elsewhere (pipes and tests get the summary line only). */
function progress(ctx: Ctx, total: number) {
  const stream = ctx.io.progressStream;
  if (!stream || ctx.json) return { step: (_label: string) => {}, stop: () => {} };
  const bar = new SingleBar(
    { stream, format: '{bar} {value}/{total} {step}', hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  bar.start(total, 0, { step: 'reading' });
  return { step: (label: string) => bar.increment(1, { step: label }), stop: () => bar.stop() };
}

export function registerPlanCommand(program: Command, action: Action): void {
  program
    .command('plan')
    .description('Load a plan or template (YAML or JSON) atomically; --dry-run shows what it would add')
    .argument('<file>', 'the plan file, or - for stdin')
    .option('--prefix <p>', 'prepended to every id of the plan (start a template many times)')
    .option('--param <name=value>', 'a template parameter (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--dry-run', 'check and preview; add nothing')
    .action(
      action(async (ctx, file: string, opts: { prefix?: string; param?: string[]; dryRun?: boolean }) => {
        const parameters: Record<string, string> = {};
        for (const pair of opts.param ?? []) {
          const eq = pair.indexOf('=');
          if (eq < 1) throw new UsageError(`--param ${pair}: use name=value`);
          parameters[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
        const bar = progress(ctx, opts.dryRun ? 2 : 3);
        let plan: string;
        try {
          plan = file === '-' ? ((await ctx.io.readStdin()) ?? '') : readFileSync(file, 'utf8');
        } catch (error) {
          bar.stop();
          throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
        }
        const request = {
          plan,
          project: ctx.project,
          ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
          ...(Object.keys(parameters).length ? { parameters } : {}),
        };
        try {
          bar.step('checking');
          const preview = await ctx.api.post<PlanResult>('/plans', { ...request, dryRun: true });
          let result = preview;
          if (!opts.dryRun) {
            bar.step(`adding ${preview.tasks.length} tasks`);
            result = await ctx.api.post<PlanResult>('/plans', request);
          }
          bar.step('done');
          bar.stop();
          if (ctx.json) return ctx.printJson(result);
          const label = result.name ? `plan "${result.name}"` : 'plan';
          ctx.print(
            result.dryRun
              ? `${label}: would add ${result.tasks.length} tasks and ${result.edges.length} dependencies to ${result.project}`
              : `${label}: added ${result.created.length} of ${result.tasks.length} tasks to ${result.project}` +
                  (result.created.length < result.tasks.length ? ' (the others were already there)' : ''),
          );
        } finally {
          bar.stop();
        }
      }),
    );
}
