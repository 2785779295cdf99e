// `tcx completion bash|zsh|fish`: shell completion scripts for the commands and their flags, generated from the program.
import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';

interface Spec {
  name: string;
  flags: string[];
}

function specs(program: Command): Spec[] {
  return program.commands.map((command) => ({
    name: command.name(),
    flags: command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)),
  }));
}

export function completionScript(program: Command, shell: string): string {
  const commands = specs(program);
  const globals = program.options.flatMap((o) => [o.long].filter((f): f is string => !!f));
  const names = commands.map((c) => c.name).join(' ');
  switch (shell) {
    case 'bash':
      return [
        '# tcx bash completion: eval "$(tcx completion bash)"',
        '_tcx() {',
        '  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}',
        '  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=($(compgen -W "' + names + '" -- "$cur")); return; fi',
        '  case "$cmd" in',
        ...commands.map(
          (c) => `    ${c.name}) COMPREPLY=($(compgen -W "${[...c.flags, ...globals].join(' ')}" -- "$cur"));;`,
        ),
        '  esac',
        '}',
        'complete -F _tcx tcx',
        '',
      ].join('\n');
    case 'zsh':
      return [
        '#compdef tcx',
        '# tcx zsh completion: eval "$(tcx completion zsh)"',
        '_tcx() {',
        '  if (( CURRENT == 2 )); then compadd -- ' + names + '; return; fi',
        '  case ${words[2]} in',
        ...commands.map((c) => `    ${c.name}) compadd -- ${[...c.flags, ...globals].join(' ')};;`),
        '  esac',
        '}',
        'compdef _tcx tcx',
        '',
      ].join('\n');
    case 'fish':
      return [
        '# tcx fish completion: tcx completion fish | source',
        'complete -c tcx -f',
        ...program.commands.map(
          (c) =>
            `complete -c tcx -n __fish_use_subcommand -a ${c.name()} -d ${JSON.stringify(c.description().slice(0, 60))}`,
        ),
        ...commands.flatMap((c) =>
          c.flags
            .filter((f) => f.startsWith('--'))
            .map((f) => `complete -c tcx -n "__fish_seen_subcommand_from ${c.name}" -l ${f.slice(2)}`),
        ),
        '',
      ].join('\n');
    default:
      throw new UsageError(`completion takes bash, zsh or fish, not "${shell}"`);
  }
}

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('Print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', 'bash, zsh or fish')
    .action(function (this: Command, shell: string) {
      program.configureOutput().writeOut?.(completionScript(program, shell));
    });
}
