/**
 * A 5-node cluster tolerates two failures: with the leader and one follower SIGKILLed, the three
 * left elect a leader, keep every acknowledged write and take new ones.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { call, putRetrying, status, TestCluster, waitFor } from './support/cluster.js';

let cluster: TestCluster | undefined;
afterAll(async () => {
  await cluster?.destroy();
});

describe('a 5-node cluster', () => {
  it('survives two SIGKILLs (the leader among them) with every acknowledged write readable', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3', 'n4', 'n5']);
    const { leader, term } = await cluster.waitForLeader();
    for (let n = 0; n < 10; n++) await putRetrying(cluster.nodes[n % 5]!, `five-${n}`, `v${n}`);

    const follower = cluster.nodes.find((node) => node !== leader)!;
    await Promise.all([leader.kill('SIGKILL'), follower.kill('SIGKILL')]);
    const survivors = cluster.nodes.filter((node) => node !== leader && node !== follower);
    const next = await cluster.waitForLeader(survivors);
    expect(next.term).toBeGreaterThan(term);
    expect(survivors).toContain(next.leader);

    for (let n = 10; n < 20; n++) await putRetrying(survivors[n % 3]!, `five-${n}`, `v${n}`);
    for (const reader of survivors) {
      for (let n = 0; n < 20; n++) {
        const answer = await call(reader, 'GET', `/v1/kv/five-${n}`);
        expect({ n, status: answer.status, value: answer.text }).toEqual({ n, status: 200, value: `v${n}` });
      }
    }
    // The new leader marks a peer unresponsive once it has not heard from it for an election
    // timeout of its own leadership, which may not have passed yet: wait for it, with a deadline.
    const killed = [leader.id, follower.id].sort();
    const unresponsive = await waitFor(`${next.leader.id} to list ${killed.join(', ')} as unresponsive`, async () => {
      const listed = (await status(next.leader)).unresponsive.sort();
      return listed.length === killed.length ? listed : undefined;
    });
    expect(unresponsive).toEqual(killed);
  });
});
