/**
 * Failover: the time from SIGKILL of the leader to the first write acknowledged after it.
 *
 * One writer loop writes through `@raftkit/client`, one write at a time. After about a second of
 * writes, the leader is killed right after a write is acknowledged and before the next one starts,
 * so no write is in flight at the kill: the first acknowledgement after it is a write proposed and
 * committed after the kill (election, the client finding the new leader, and one commit). The
 * killed node is restarted and caught up before the next repetition.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from '@raftkit/client';
import type { LocalCluster } from '@raftkit/node/testing';
import { errorKind } from '../load/index.js';

/** FailoverRun is one repetition. */
export interface FailoverRun {
  readonly killed: string;
  readonly newLeader: string;
  /** Milliseconds from the SIGKILL to the first acknowledged write after it. */
  readonly killToFirstWriteMs: number;
  readonly writesBeforeKill: number;
  /** Failed write calls between the kill and the first acknowledgement (the client retries inside a call first). */
  readonly errorsByKind: Readonly<Record<string, number>>;
}

/** How long the writer runs before the kill, and the most a repetition may wait for a write after it. */
const WRITE_BEFORE_KILL_MS = 1000;
const RECOVERY_DEADLINE_MS = 30_000;

/** measureFailover runs `repetitions` kill-and-recover rounds on a running cluster. */
export async function measureFailover(cluster: LocalCluster, repetitions: number, valueBytes: number): Promise<FailoverRun[]> {
  const value = randomBytes(valueBytes);
  const runs: FailoverRun[] = [];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    await cluster.waitCaughtUp();
    const leader = await cluster.waitForLeader();
    const client = createClient({ nodes: cluster.httpAddresses, deadlineMs: RECOVERY_DEADLINE_MS });
    const errorsByKind: Record<string, number> = {};
    let writesBeforeKill = 0;
    let killedAt: number | undefined;
    let firstWriteAt: number | undefined;
    try {
      const start = performance.now();
      for (let sequence = 0; firstWriteAt === undefined; sequence++) {
        try {
          await client.kv.put(`failover-${sequence % 64}`, value);
        } catch (error) {
          if (killedAt === undefined) throw error;
          const kind = errorKind(error);
          errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1;
          if (performance.now() - killedAt > RECOVERY_DEADLINE_MS) throw new Error(`no write acknowledged within ${RECOVERY_DEADLINE_MS} ms of killing ${leader.id}`);
          continue;
        }
        const now = performance.now();
        if (killedAt !== undefined) {
          firstWriteAt = now;
        } else {
          writesBeforeKill++;
          if (now - start >= WRITE_BEFORE_KILL_MS) {
            // Synchronously, between an acknowledgement and the next write: nothing is in flight.
            leader.process!.kill('SIGKILL');
            killedAt = performance.now();
          }
        }
      }
    } finally {
      await client.close();
    }
    const newLeader = await cluster.waitForLeader();
    runs.push({ killed: leader.id, newLeader: newLeader.id, killToFirstWriteMs: firstWriteAt - killedAt!, writesBeforeKill, errorsByKind });
    console.log(`  failover ${repetition + 1}: killed ${leader.id}, first write after ${(firstWriteAt - killedAt!).toFixed(0)} ms, new leader ${newLeader.id}`);
    await leader.kill('SIGKILL');
    await leader.start();
  }
  return runs;
}

/** median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
