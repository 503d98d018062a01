/**
 * CPU profiles of the raftkit nodes a benchmark starts, so that a change can be guided by a
 * profile of the very run it is measured by (issue 13):
 *
 *   RAFTKIT_BENCH_PROFILE_DIR=/tmp/profiles RAFTKIT_BENCH_COMPARE_LOADS=native-put-64 \
 *     pnpm --filter @raftkit/bench bench -- compare-etcd
 *
 * Each node then runs as `node --cpu-prof`: its main thread and its storage worker each write a
 * `.cpuprofile` (Chrome DevTools, or any V8 profile reader) when the node exits. Node writes them
 * only on a clean exit, so the cluster is stopped with SIGTERM before it is destroyed, and each
 * file is renamed after the benchmark, the node and the thread. The profiler costs CPU: the
 * figures of a profiled run are not comparable with an unprofiled one.
 */
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LocalCluster } from '@raftkit/node/testing';

/** profileDirectory is where profiles go (RAFTKIT_BENCH_PROFILE_DIR, made absolute), or undefined: no profiling. */
export function profileDirectory(environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const text = environment['RAFTKIT_BENCH_PROFILE_DIR']?.trim();
  return text === undefined || text === '' ? undefined : resolve(text);
}

/** profilingOptions are the LocalCluster options that turn profiling on (none when it is off). */
export function profilingOptions(directory = profileDirectory()): { nodeOptions?: string[] } {
  if (directory === undefined) return {};
  mkdirSync(directory, { recursive: true });
  return { nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${directory}`] };
}

/**
 * resultName is the results file of a `benchmark` run: a profiled run's figures carry the
 * profiler's cost, so they go to `<benchmark>-profiled`, never over the plain results.
 */
export function resultName(benchmark: string, directory: string | undefined): string {
  return directory === undefined ? benchmark : `${benchmark}-profiled`;
}

/** Node's own name for a profile: CPU.<yyyymmdd>.<hhmmss>.<pid>.<thread id>.<sequence>.cpuprofile. */
const NODE_PROFILE_NAME = /^CPU\.(\d{8}\.\d{6})\.(\d+)\.(\d+)\.(\d+)\.cpuprofile$/;

/**
 * profileName is the name a profile of one of `nodes` (pid → node id) gets: `<label>-<node>-main`
 * or `-worker<thread id>`, then Node's date, time and sequence (a restarted node writes again).
 * undefined for a file that is not Node's profile of one of these processes.
 */
export function profileName(file: string, nodes: ReadonlyMap<number, string>, label: string): string | undefined {
  const match = NODE_PROFILE_NAME.exec(file);
  if (match === null) return undefined;
  const [, when, pid, thread, sequence] = match;
  const node = nodes.get(Number(pid));
  if (node === undefined) return undefined;
  const threadName = thread === '0' ? 'main' : `worker${thread}`;
  return `${label}-${node}-${threadName}-${when}.${sequence}.cpuprofile`;
}

/**
 * collectProfiles stops `cluster` cleanly when profiling is on, so that its running nodes write
 * their profiles, and renames what they wrote. Returns the files' paths (none when profiling is
 * off). A node killed earlier (SIGKILL) wrote nothing; call this before `destroy()`.
 */
export async function collectProfiles(cluster: LocalCluster, label: string, directory = profileDirectory()): Promise<string[]> {
  if (directory === undefined) return [];
  const pids = new Map<number, string>();
  for (const node of cluster.nodes) {
    const pid = node.running ? node.process?.pid : undefined;
    if (pid !== undefined) pids.set(pid, node.id);
  }
  await cluster.stop();
  const written: string[] = [];
  for (const file of readdirSync(directory)) {
    const name = profileName(file, pids, label);
    if (name === undefined) continue;
    renameSync(join(directory, file), join(directory, name));
    written.push(join(directory, name));
  }
  console.log(`CPU profiles (${label}): ${written.length} files in ${directory}; a profiled run's figures are not comparable with an unprofiled one`);
  return written;
}
