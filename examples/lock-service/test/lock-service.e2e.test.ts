/**
 * The lock service in three real `raftkit start --machine` processes (started by
 * `@raftkit/node/testing`), used through `@raftkit/client`: leases, fencing tokens, a leader
 * crash in the middle, and a restarted node that catches up. Waits are on conditions.
 */
import { fileURLToPath } from 'node:url';
import { createClient, type RaftkitClient } from '@raftkit/client';
import { LocalCluster, status, waitFor } from '@raftkit/node/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { HolderResult, LockCommand, LockQuery, LockResult } from '../src/lock-machine.js';

const machine = fileURLToPath(new URL('../src/lock-machine.ts', import.meta.url));
let cluster: LocalCluster | undefined;
let client: RaftkitClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await cluster?.destroy();
  cluster = undefined;
});

describe('lock service on raftkit start --machine', () => {
  it('grants, fences and survives a leader crash through the client', async () => {
    cluster = await LocalCluster.start(['l1', 'l2', 'l3'], {
      flags: { machine, 'tick-ms': '30', 'election-ticks': '10', 'request-timeout-ms': '3000', 'snapshot-entries': '8', 'snapshot-trailing': '2', 'log-level': 'warn' },
    });
    client = createClient({ nodes: cluster.httpAddresses, requestTimeoutMs: 3000, deadlineMs: 30_000 });
    const command = (lockCommand: LockCommand) => client!.command<LockCommand, LockResult>(lockCommand);
    const holder = (lock: string, now: number) => client!.query<LockQuery, HolderResult>({ type: 'holder', lock, now });

    // The client clock of this test is a counter: expiry is decided from the commands' `now`.
    const first = await command({ type: 'acquire', lock: 'db', owner: 'worker-1', ttlMs: 1000, now: 1000 });
    expect(first).toEqual({ ok: true, token: 1, expiresAt: 2000 });
    expect(await command({ type: 'acquire', lock: 'db', owner: 'worker-2', ttlMs: 1000, now: 1500 })).toEqual({ ok: false, holder: 'worker-1', expiresAt: 2000 });
    expect(await holder('db', 1600)).toEqual({ holder: 'worker-1', token: 1, expiresAt: 2000 });

    // The leader crashes; the lock state survives on the others, and the client finds the new leader.
    const leader = await cluster.waitForLeader();
    await cluster.kill(leader.id);
    expect(await command({ type: 'renew', lock: 'db', owner: 'worker-1', token: 1, ttlMs: 1000, now: 1900 })).toEqual({ ok: true, token: 1, expiresAt: 2900 });

    // worker-1's lease runs out; worker-2 takes over with a higher fencing token, and worker-1's
    // late release with its old token is refused.
    const second = await command({ type: 'acquire', lock: 'db', owner: 'worker-2', ttlMs: 1000, now: 3000 });
    expect(second).toEqual({ ok: true, token: 2, expiresAt: 4000 });
    expect(await command({ type: 'release', lock: 'db', owner: 'worker-1', token: 1, now: 3100 })).toEqual({ ok: false, holder: 'worker-2', expiresAt: 4000 });

    // Enough commands for snapshots; the crashed node restarts and ends with the same holder.
    for (let round = 0; round < 12; round++) await command({ type: 'renew', lock: 'db', owner: 'worker-2', token: 2, ttlMs: 1000, now: 3200 + round });
    await cluster.restart(leader.id);
    await cluster.waitCaughtUp(60_000);
    const restarted = await waitFor('the restarted node to serve the holder', async () => {
      const answer = await fetch(`http://${leader.http}/v1/query`, { method: 'POST', body: JSON.stringify({ query: { type: 'holder', lock: 'db', now: 3500 }, stale: true }), headers: { 'content-type': 'application/json' } });
      const body = (await answer.json()) as { result?: HolderResult };
      return body.result?.holder === 'worker-2' ? body.result : undefined;
    });
    expect(restarted).toEqual({ holder: 'worker-2', token: 2, expiresAt: 4211 });
    expect((await status(leader)).snapshotIndex).toBeGreaterThan(0);
  });
});
