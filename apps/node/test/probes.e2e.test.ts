/**
 * `GET /livez` and `GET /readyz` against real processes: every member of a healthy cluster is
 * live and ready; a node cut off from its majority stays live but is not ready, with the reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, TestCluster, waitFor } from './support/cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

describe('probes', () => {
  it('livez and readyz are 200 on a healthy cluster; readyz is 503 NO_LEADER on a node that lost its majority', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3']);
    const { leader } = await cluster.waitForLeader();
    for (const node of cluster.nodes) {
      const live = await call(node, 'GET', '/livez');
      expect({ node: node.id, status: live.status, body: live.json }).toEqual({ node: node.id, status: 200, body: { live: true } });
      const ready = await waitFor(`${node.id} to be ready`, async () => {
        const answer = await call(node, 'GET', '/readyz');
        return answer.status === 200 ? answer : undefined;
      });
      expect(ready.json).toMatchObject({ ready: true, leader: leader.id });
      // HEAD, as load balancers send it: the GET's status and headers, no body.
      for (const probe of ['/livez', '/readyz']) {
        const head = await fetch(`http://${node.http}${probe}`, { method: 'HEAD' });
        expect({ node: node.id, probe, status: head.status, body: await head.text() }).toEqual({ node: node.id, probe, status: 200, body: '' });
        expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
      }
    }

    // Kill two nodes: the survivor can know no leader for long (check-quorum, pre-vote).
    const survivor = cluster.nodes.find((node) => node !== leader)!;
    const others = cluster.nodes.filter((node) => node !== survivor);
    for (const node of others) await node.kill('SIGKILL');
    const refused = await waitFor(`${survivor.id} to become not ready`, async () => {
      const answer = await call(survivor, 'GET', '/readyz');
      return answer.status === 503 ? answer : undefined;
    });
    expect(refused.json).toMatchObject({ ready: false, reason: 'NO_LEADER' });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await call(survivor, 'GET', '/livez')).status).toBe(200);
    expect((await fetch(`http://${survivor.http}/readyz`, { method: 'HEAD' })).status).toBe(503);
  });
});
