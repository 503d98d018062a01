/**
 * `raftkit start --machine MODULE`: three real nodes host a plugin's state machine and serve it
 * through `POST /v1/command`, `POST /v1/query` and `/v1/ws` (`@raftkit/client`'s generic
 * command / query), with forwarding, Idempotency-Key, snapshots and a restart.
 */
import { fileURLToPath } from 'node:url';
import { createClient, type RaftkitClient } from '@raftkit/client';
import { afterEach, describe, expect, it } from 'vitest';
import { call, status, TestCluster, waitFor } from './support/cluster.js';
import type { CounterCommand, CounterQuery } from './fixtures/counter-machine.js';

const machine = fileURLToPath(new URL('./fixtures/counter-machine.ts', import.meta.url));
let cluster: TestCluster | undefined;
let client: RaftkitClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await cluster?.destroy();
  cluster = undefined;
});

const post = (node: Parameters<typeof call>[0], path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(node, 'POST', path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

describe('raftkit start --machine', () => {
  it('serves the plugin over HTTP and /v1/ws on every node, deduplicates, snapshots and survives a restart', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3'], { flags: { machine, 'snapshot-entries': '5', 'snapshot-trailing': '1' } });
    const { leader } = await cluster.waitForLeader();
    const follower = cluster.nodes.find((node) => node !== leader)!;

    // A follower takes the command (forwarded to the leader) and answers the machine's result.
    const added = await post(follower, '/v1/command', { command: { type: 'add', name: 'a', amount: 2 } });
    expect(added.status, added.text).toBe(200);
    expect(added.json).toMatchObject({ result: 2 });
    expect((added.json as { index: number }).index).toBeGreaterThan(1);

    // Idempotency-Key: the retry is answered with the first answer and not applied again.
    const once = await post(follower, '/v1/command', { command: { type: 'add', name: 'a', amount: 5 } }, { 'idempotency-key': 'k1' });
    const again = await post(leader, '/v1/command', { command: { amount: 5, name: 'a', type: 'add' } }, { 'idempotency-key': 'k1' });
    expect([once.status, again.status]).toEqual([200, 200]);
    expect(again.json).toEqual(once.json);
    expect((await post(leader, '/v1/command', { command: { type: 'add', name: 'a', amount: 1 } }, { 'idempotency-key': 'k1' })).status).toBe(422);

    // apply threw: 400 with its message, and the state is unchanged.
    const refused = await post(follower, '/v1/command', { command: { type: 'fail', reason: 'not today' } });
    expect([refused.status, (refused.json as { error: { message: string } }).error.message]).toEqual([400, 'not today']);
    for (const node of cluster.nodes) {
      const read = await post(node, '/v1/query', { query: { name: 'a' } });
      expect([read.status, (read.json as { result: number }).result]).toEqual([200, 7]);
    }
    expect((await post(follower, '/v1/query', { query: { name: 'a' }, stale: 'yes' })).status).toBe(400);
    // The KV routes belong to the KV machine: 501 here, and the machine routes 400 on a bad body.
    expect((await call(follower, 'PUT', '/v1/kv/x', { body: 'v' })).status).toBe(501);
    expect((await post(follower, '/v1/command', { nothing: true })).status).toBe(400);

    // The client's generic command / query over /v1/ws, through any node.
    client = createClient({ nodes: cluster.nodes.map((node) => node.http), requestTimeoutMs: 3000, deadlineMs: 20_000 });
    for (let round = 0; round < 10; round++) {
      expect(await client.command<CounterCommand, number>({ type: 'add', name: 'b', amount: 1 })).toBe(round + 1);
    }
    expect(await client.query<CounterQuery, number>({ name: 'b' })).toBe(10);
    expect(await client.query<CounterQuery, number>({ name: 'a' }, { stale: true })).toBeLessThanOrEqual(7);

    // Snapshots were taken (every 5 entries); a restarted node restores one and catches up.
    await waitFor('a snapshot on every node', async () => ((await Promise.all(cluster!.nodes.map(status))).every((view) => view.snapshotIndex > 0) ? true : undefined));
    await follower.kill('SIGKILL');
    await client.command<CounterCommand, number>({ type: 'add', name: 'b', amount: 5 });
    await follower.start();
    await waitFor(`${follower.id} to catch up`, async () => {
      const read = await post(follower, '/v1/query', { query: { name: 'b' }, stale: true });
      return (read.json as { result?: number } | undefined)?.result === 15 ? true : undefined;
    });

    // Metrics and the status page come for free.
    expect((await call(leader, 'GET', '/metrics')).status).toBe(200);
    expect((await call(leader, 'GET', '/')).status).toBe(200);
  });

  it('a KV node (no --machine) answers the machine routes with 501, and keeps its KV routes', async () => {
    cluster = await TestCluster.start(['k1']);
    const node = cluster.node('k1');
    expect((await post(node, '/v1/command', { command: { type: 'add', name: 'a', amount: 1 } })).status).toBe(501);
    expect((await post(node, '/v1/query', { query: { name: 'a' } })).status).toBe(501);
    expect((await call(node, 'PUT', '/v1/kv/x', { body: 'v' })).status).toBe(200);
  });

  it('refuses to start with a module that exports no state machine factory', async () => {
    const broken = fileURLToPath(new URL('./fixtures/not-a-machine.ts', import.meta.url));
    cluster = await TestCluster.create(['n1'], { flags: { machine: broken } });
    const node = cluster.node('n1');
    node.spawn();
    const exit = await node.waitExit();
    expect(exit.code).not.toBe(0);
    expect(node.output.join('\n')).toContain('INVALID_MACHINE');
  });
});
