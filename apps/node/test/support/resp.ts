/**
 * Redis-protocol helpers for end-to-end tests: give every node of a test cluster a
 * `--resp-listen` port, and run the real `redis-cli` (Debian's redis-tools, installed by
 * scripts/ci/install-redis.sh) against it.
 */
import { execFile } from 'node:child_process';
import { freePort, type NodeProcess, type TestCluster } from './cluster.js';

/** respPorts remembers each node's RESP port. */
const respPorts = new WeakMap<NodeProcess, number>();

/** enableResp gives each node of a created (not yet started) cluster its own --resp-listen port. */
export async function enableResp(cluster: TestCluster): Promise<void> {
  for (const node of cluster.nodes) {
    const port = await freePort();
    respPorts.set(node, port);
    node.flags.push('--resp-listen', `127.0.0.1:${port}`);
  }
}

/** respPort is the node's RESP port (enableResp gave it one). */
export function respPort(node: NodeProcess): number {
  const port = respPorts.get(node);
  if (port === undefined) throw new Error(`${node.id} has no --resp-listen (call enableResp)`);
  return port;
}

/** CliResult is what a redis-cli run printed and how it exited. */
export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/**
 * redisCli runs `redis-cli -p PORT ...args`, with `stdin` as its input when given (a scripted
 * session: one command a line). It resolves whatever the exit code; a run that hangs fails.
 */
export function redisCli(node: NodeProcess, args: readonly string[], stdin?: string, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('redis-cli', ['-p', String(respPort(node)), ...args], { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') return reject(new Error(`redis-cli ${args.join(' ')} failed: ${error.message}`));
      resolve({ stdout, stderr, code: error === null ? 0 : (error.code as number) });
    });
    child.stdin!.end(stdin ?? '');
  });
}
