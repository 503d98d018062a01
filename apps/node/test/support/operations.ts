/**
 * Helpers for the operations end-to-end tests: admin requests retried while the cluster says
 * "not now", the `raftkit` command run from source, and reading back every acknowledged write.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { call, FAST, nodeEnv, type Answer, type NodeProcess } from './cluster.js';

const binPath = fileURLToPath(new URL('../../src/bin.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** raftkit runs one `raftkit` command to completion and returns its exit code and stdout. */
export async function raftkit(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=@raftkit/source', '--import', tsxLoader, binPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: nodeEnv() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (exit) => resolve(exit)));
  return { code, stdout, stderr };
}

/**
 * adminRetrying sends one admin request until it is answered 200. 503 (certainly not done) and
 * 409 (another change still pending) are tried again; any other answer fails the test, so a
 * refusal for a real reason is not hidden.
 */
export async function adminRetrying(node: NodeProcess, method: string, path: string, body: unknown, timeoutMs = 60_000): Promise<Answer> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    let answer: Answer | undefined;
    try {
      answer = await call(node, method, path, { ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }), timeoutMs: 40_000 });
    } catch {
      answer = undefined;
    }
    if (answer?.status === 200) return answer;
    if (answer !== undefined && answer.status !== 503 && answer.status !== 409) throw new Error(`${method} ${path} answered ${answer.status} ${answer.text}`);
    if (performance.now() > deadline) throw new Error(`${method} ${path} through ${node.id} did not succeed within ${timeoutMs} ms (last: ${answer?.status ?? 'no answer'} ${answer?.text ?? ''})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * unreadWrites reads every key of `written` through `node` (linearizable GET, or `?stale=true`)
 * and returns the ones that did not answer 200 with the written value, so a failure names them.
 */
export async function unreadWrites(node: NodeProcess, written: ReadonlyMap<string, string>, options: { stale?: boolean } = {}): Promise<string[]> {
  const entries = [...written];
  const wrong: string[] = [];
  // A few reads in flight at once: thousands of keys read one by one would take too long.
  for (let start = 0; start < entries.length; start += 16) {
    await Promise.all(
      entries.slice(start, start + 16).map(async ([key, value]) => {
        const answer = await call(node, 'GET', `/v1/kv/${encodeURIComponent(key)}${options.stale === true ? '?stale=true' : ''}`);
        if (answer.status !== 200 || answer.text !== value) wrong.push(`${key}: ${answer.status} ${answer.text.slice(0, 80)}`);
      }),
    );
  }
  return wrong;
}

/** flagsOf turns flags into `raftkit start` arguments, after the test defaults (FAST). */
export function flagsOf(flags: Readonly<Record<string, string | true>>): string[] {
  const merged: Record<string, string | true> = { ...FAST, ...flags };
  return Object.entries(merged).flatMap(([name, value]) => (value === true ? [`--${name}`] : [`--${name}`, value]));
}
