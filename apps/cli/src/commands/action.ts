// Commander actions with a context: the global flags and the process's io, resolved once per command.
import type { Command } from 'commander';
import { makeContext, type Ctx, type GlobalOptions, type Io } from '../context.js';

/** Wraps a command body: `fn(ctx, ...arguments, options)`. */
export type Action = <A extends unknown[]>(
  fn: (ctx: Ctx, ...args: A) => Promise<void> | void,
) => (...args: unknown[]) => Promise<void>;

export function actionFor(io: Io): Action {
  return (fn) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const ctx = makeContext(command.optsWithGlobals<GlobalOptions>(), io);
      await fn(ctx, ...(args.slice(0, -1) as never));
    };
}
