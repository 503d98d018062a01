/**
 * The Redis binaries the RESP benchmark needs: `redis-benchmark` (Debian's redis-tools) to drive
 * load, and `redis-server` as the reference. When one is missing and the benchmark runs as root,
 * it is installed from Debian (`apt-get install`, with `apt-get update` only if that fails);
 * otherwise the caller is told what is missing and why it was not installed.
 */
import { execFileSync } from 'node:child_process';

/** hasCommand tells whether `name` is on the PATH. */
export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * ensureDebianPackage makes `command` available by installing `pkg` when needed. Answers undefined
 * when it is there, or the reason it is not (not root, apt-get failed).
 */
export function ensureDebianPackage(command: string, pkg: string): string | undefined {
  if (hasCommand(command)) return undefined;
  if (process.getuid?.() !== 0) return `${command} is missing and this is not root: install it with \`apt-get install ${pkg}\``;
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    console.log(`installing ${pkg} from Debian for ${command}...`);
    try {
      install();
    } catch {
      execFileSync('apt-get', ['update'], { stdio: 'inherit' });
      install();
    }
  } catch (error) {
    return `installing ${pkg} failed: ${(error as Error).message}`;
  }
  return hasCommand(command) ? undefined : `${pkg} was installed but ${command} is still not on the PATH`;
}
