/**
 * Snapshot install: how long a new node takes to catch up with a cluster holding `stateBytes` of
 * values, when the leader's log was compacted and it must send a snapshot.
 *
 * A fresh 3-node cluster snapshots every `(values + 2) / 2` applied entries and keeps
 * min(100, values / 4) entries behind a snapshot. The values (64 KiB each) are written through
 * HTTP, 16 at a time; then small filler writes run until the leader's snapshot covers every
 * value, so the new node receives all the state in the snapshot rather than as log entries. Then a 4th node starts empty with `--join` and the
 * clock runs from its spawn until its applied index reaches the leader's commit index (both read
 * from `GET /v1/status`, polled every 50 ms). The process start (tsx loading the node from source)
 * is inside that time; `HTTP up` says how much of it was start-up.
 */
import { randomBytes } from 'node:crypto';
import { LocalCluster, status, waitFor, type StatusBody } from '@raftkit/node/testing';
import { createHttpTarget, expectStatus, type HttpTarget } from '../load/index.js';
import { forEachConcurrently } from './concurrently.js';
import type { ClusterBenchSettings } from './settings.js';

/** SnapshotInstallResult is what the phase measured. */
export interface SnapshotInstallResult {
  readonly values: number;
  readonly valueBytes: number;
  /** values × valueBytes: the state the snapshot carries (plus keys and a small header). */
  readonly stateBytes: number;
  readonly writeSeconds: number;
  readonly fillerWrites: number;
  /** The leader's snapshot index when the new node started, and the last value's log index. */
  readonly leaderSnapshotIndex: number;
  readonly lastValueIndex: number;
  /** From the new node's spawn: its HTTP API answered, and it applied the leader's commit index. */
  readonly httpUpMs: number;
  readonly caughtUpMs: number;
  /** The new node's status when caught up (its snapshotIndex shows it installed the snapshot). */
  readonly joined: StatusBody;
  readonly leaderCommitIndex: number;
}

const WRITE_DEADLINE_MS = 180_000;
const CATCH_UP_DEADLINE_MS = 180_000;

/** putRetrying writes through `target`, retrying 503 (certainly not applied) and 504 (a PUT of the same value is idempotent). */
async function putRetrying(target: HttpTarget, key: string, value: Uint8Array, deadline: number): Promise<number> {
  for (;;) {
    let answer;
    try {
      answer = await target.request('PUT', `/v1/kv/${encodeURIComponent(key)}`, value);
    } catch (error) {
      if (performance.now() > deadline) throw error;
      continue;
    }
    if (answer.status === 200) return (JSON.parse(answer.body.toString('utf8')) as { index: number }).index;
    if ((answer.status !== 503 && answer.status !== 504) || performance.now() > deadline) expectStatus(answer, 200);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** measureSnapshotInstall runs the phase on its own cluster and destroys it afterwards. */
export async function measureSnapshotInstall(settings: ClusterBenchSettings): Promise<SnapshotInstallResult> {
  const valueBytes = settings.snapshotValueBytes;
  const values = Math.max(2, Math.round(settings.snapshotStateBytes / valueBytes));
  // A fresh cluster's log holds 2 entries before the first value (the bootstrap configuration and
  // the first leader's empty entry), so snapshots every (values + 2) / 2 entries land, with no
  // election in between, exactly on the last value; the filler writes below cover any other case.
  const snapshotEntries = Math.max(1, Math.floor((values + 2) / 2));
  // Fewer trailing entries than values, or a scaled-down run would keep the whole log and the new
  // node would catch up from it instead of from the snapshot.
  const snapshotTrailing = Math.min(100, Math.floor(values / 4));
  const flags = { ...settings.nodeFlags, 'snapshot-entries': String(snapshotEntries), 'snapshot-trailing': String(snapshotTrailing) };
  const cluster = await LocalCluster.create(['s1', 's2', 's3'], { flags });
  try {
    const leader = await cluster.start();
    const target = createHttpTarget(leader.http, { connections: 16, timeoutMs: 30_000 });
    const deadline = performance.now() + WRITE_DEADLINE_MS;
    let lastValueIndex = 0;
    let fillerWrites = 0;
    let writeSeconds: number;
    try {
      const value = randomBytes(valueBytes);
      const writeStart = performance.now();
      await forEachConcurrently(values, 16, async (index) => {
        const logIndex = await putRetrying(target, `blob-${String(index).padStart(5, '0')}`, value, deadline);
        lastValueIndex = Math.max(lastValueIndex, logIndex);
      });
      writeSeconds = (performance.now() - writeStart) / 1000;
      console.log(`  wrote ${values} × ${valueBytes} B in ${writeSeconds.toFixed(1)} s`);
      // Tiny writes until the leader's snapshot covers the last value: the snapshot, not the log, carries the state.
      await waitFor(
        `${leader.id}'s snapshot to cover index ${lastValueIndex}`,
        async () => {
          if ((await status(leader)).snapshotIndex >= lastValueIndex) return true;
          await forEachConcurrently(16, 16, async () => {
            await putRetrying(target, 'filler', Uint8Array.of(fillerWrites++ % 256), deadline);
          });
          return undefined;
        },
        WRITE_DEADLINE_MS,
        0,
      );
    } finally {
      target.close();
    }
    const leaderSnapshotIndex = (await status(leader)).snapshotIndex;

    const joining = await cluster.addNode('s4', { ...flags, join: leader.http });
    const spawnedAt = performance.now();
    joining.spawn();
    let httpUpMs: number | undefined;
    const { joined, leaderCommitIndex } = await waitFor(
      's4 to apply the leader commit index',
      async () => {
        if (!joining.running) throw new Error(`s4 exited: ${joining.output.slice(-5).join('\n')}`);
        const own = await status(joining);
        httpUpMs ??= performance.now() - spawnedAt;
        const { commitIndex } = await status(leader);
        return own.appliedIndex >= commitIndex && own.appliedIndex > 0 ? { joined: own, leaderCommitIndex: commitIndex } : undefined;
      },
      CATCH_UP_DEADLINE_MS,
      50,
    );
    const caughtUpMs = performance.now() - spawnedAt;
    // Not a timing: proof the state arrived (a stale read answers from s4's own state).
    const sample = await fetch(`http://${joining.http}/v1/kv/blob-00000?stale=true`);
    const sampleBytes = (await sample.arrayBuffer()).byteLength;
    if (sample.status !== 200 || sampleBytes !== valueBytes) throw new Error(`s4 has no blob-00000 after catching up (${sample.status}, ${sampleBytes} bytes)`);
    return { values, valueBytes, stateBytes: values * valueBytes, writeSeconds, fillerWrites, leaderSnapshotIndex, lastValueIndex, httpUpMs: httpUpMs!, caughtUpMs, joined, leaderCommitIndex };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${cluster.logs()}`);
  } finally {
    await cluster.destroy();
  }
}
