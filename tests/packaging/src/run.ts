import { execFile } from 'node:child_process';

/** RunResult is what a finished command printed. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * run executes a command without a shell and resolves with its output once it exits 0; it
 * rejects with the command, its exit code and its output otherwise, or once `timeoutMs` passes.
 */
export function run(command: string, args: readonly string[], options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, timeout: options.timeoutMs, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error === null) resolve({ stdout, stderr });
        else reject(new Error(`${command} ${args.join(' ')} (in ${options.cwd}) failed: ${error.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
      },
    );
  });
}
