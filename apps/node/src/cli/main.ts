/**
 * The `raftkit` command: `start`, `dev`, the admin commands and `recover`. Every command reports
 * a bad command line as a NodeConfigError (code and message on stderr, exit code 2).
 */
import { ADMIN_USAGE, runAdmin, type Output } from './admin.js';
import { NodeConfigError } from './errors.js';
import { RECOVER_USAGE, runRecover } from './recover.js';
import { resolveStartOptions, startUsage } from './start-options.js';

const USAGE = `raftkit — a replicated key-value store on Raft

${startUsage()}
${ADMIN_USAGE}
${RECOVER_USAGE}`;

/** consoleOutput prints to the process's stdout and stderr. */
export const consoleOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/**
 * main runs one command line and resolves with the exit code (`start` and `dev` resolve only
 * when the node or cluster stops).
 */
export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env, output: Output = consoleOutput): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start': {
        if (rest.includes('--help') || rest.includes('-h')) {
          output.out(startUsage());
          return 0;
        }
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
      case 'recover':
        return await runRecover(rest, output, process.cwd());
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        output.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new NodeConfigError('UNKNOWN_COMMAND', `unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof NodeConfigError) {
      output.err(`raftkit: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
