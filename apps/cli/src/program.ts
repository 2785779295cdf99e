// tcx's commands (commander) and the one place that turns a failure into a printed code, remedy and exit code.
import { Command, CommanderError, Option } from 'commander';
import { actionFor } from './commands/action.js';
import { registerBoardCommands } from './commands/board.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerHookCommands } from './commands/hooks.js';
import { registerPeopleCommands } from './commands/people.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerPrimeCommand } from './commands/prime.js';
import { registerReserveCommand } from './commands/reserve.js';
import { registerWatchCommand } from './commands/watch.js';
import { registerWorkCommands } from './commands/work.js';
import type { Io } from './context.js';
import { describeFailure, EXIT } from './exit-codes.js';

export const VERSION = '0.1.0';

const EPILOG = `
Environment: TASK_COORDINATOR_URL (default http://localhost:3335), TASK_COORDINATOR_TOKEN,
TASK_COORDINATOR_PROJECT (default "default"), TASK_COORDINATOR_WORKER_ID (default user@host).

Exit codes: 0 ok · 1 internal · 2 usage or invalid input · 3 not found · 4 conflict (not claimable,
exists, wrong state) · 5 lease lost · 6 no work to claim · 7 unauthorized · 8 server unavailable (retry)`;

export function buildProgram(io: Io): Command {
  const program = new Command('tcx')
    .description('Task Coordinator from the command line: the shared task board of your agents')
    .version(VERSION, '-V, --version')
    .option('--url <url>', 'the server [TASK_COORDINATOR_URL]')
    .option('--token <token>', "the server's token [TASK_COORDINATOR_TOKEN]")
    .option('-P, --project <name>', 'the board [TASK_COORDINATOR_PROJECT]')
    .option('-W, --worker <id>', 'who you are, for claims [TASK_COORDINATOR_WORKER_ID]')
    .option('--json', 'print JSON (errors too, on stderr)')
    .addOption(new Option('--no-color', 'no colours (also NO_COLOR)'))
    .addHelpText('after', EPILOG)
    .showSuggestionAfterError()
    .showHelpAfterError('(tcx --help lists the commands, tcx <command> --help their flags)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const action = actionFor(io);
  registerBoardCommands(program, action);
  registerWorkCommands(program, action);
  registerPeopleCommands(program, action);
  registerReserveCommand(program, action);
  registerWatchCommand(program, action);
  registerPrimeCommand(program, action);
  registerPlanCommand(program, action);
  registerHookCommands(program, action);
  registerCompletionCommand(program);
  for (const command of program.commands)
    command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return program;
}

/** Runs one command line (without `node tcx`); resolves to the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return EXIT.OK;
      return EXIT.USAGE; // commander printed the message already
    }
    const failure = describeFailure(error);
    const json = argv.includes('--json');
    io.stderr(json ? `${JSON.stringify(failure.json)}\n` : `${failure.text}\n`);
    return failure.exitCode;
  }
}
