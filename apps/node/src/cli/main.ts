/**
 * The `raftkit` command: `start`, `dev`, the admin commands, `snapshot` and `recover`; `--version`
 * and `--help` on every command. Every command reports a bad command line as a NodeConfigError
 * (code and message on stderr, exit code 2).
 */
import { VERSION } from '../version.js';
import { runAdmin, type Output } from './admin.js';
import { NodeConfigError } from './errors.js';
import { helpFor, topLevelHelp } from './help.js';
import { runRecover } from './recover.js';
import { resolveStartOptions } from './start-options.js';

/** consoleOutput prints to the process's stdout and stderr. */
export const consoleOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** wantsHelp: `--help` or `-h` before any `--` ends the flags. */
function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/**
 * main runs one command line and resolves with the exit code (`start` and `dev` resolve only
 * when the node or cluster stops).
 */
export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env, output: Output = consoleOutput): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === '--version' || command === '-v' || command === 'version') {
      output.out(`raftkit ${VERSION}\n`);
      return 0;
    }
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      const help = command === 'help' && rest.length > 0 ? helpFor(rest) : undefined;
      output.out(help ?? topLevelHelp());
      return command === undefined ? 2 : 0;
    }
    if (wantsHelp(rest)) {
      const help = helpFor([command, ...rest.filter((arg) => !arg.startsWith('-'))]);
      if (help === undefined) throw new NodeConfigError('UNKNOWN_COMMAND', `unknown command ${JSON.stringify(command)} (raftkit --help lists them)`);
      output.out(help);
      return 0;
    }
    switch (command) {
      case 'start': {
        const options = resolveStartOptions({ argv: rest, env, cwd: process.cwd() });
        const { runStart } = await import('../run-start.js');
        return await runStart(options);
      }
      case 'dev': {
        const { runDev } = await import('../dev.js');
        // Under `pnpm dev` pnpm runs us from apps/node; INIT_CWD is where the user typed it.
        return await runDev(rest, output, process.env['INIT_CWD'] ?? process.cwd());
      }
      case 'status':
      case 'members':
      case 'leader':
        return await runAdmin(command, rest, env, output);
      case 'snapshot': {
        const { runSnapshot } = await import('./snapshot-command.js');
        return await runSnapshot(rest, env, output, process.cwd());
      }
      case 'recover':
        return await runRecover(rest, output, process.cwd());
      default:
        throw new NodeConfigError('UNKNOWN_COMMAND', `unknown command ${JSON.stringify(command)} (raftkit --help lists them)`);
    }
  } catch (error) {
    if (error instanceof NodeConfigError) {
      output.err(`raftkit: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
