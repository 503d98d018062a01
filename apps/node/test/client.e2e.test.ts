/**
 * `@raftkit/client` against a real cluster over `/v1/ws`: the KV helpers, and the one promise
 * that makes its retries safe: a command retried across a leader kill is applied once.
 */
import { createClient, RequestRejectedError, type RaftkitClient } from '@raftkit/client';
import { afterEach, describe, expect, it } from 'vitest';
import { call, status, TestCluster } from './support/cluster.js';

let cluster: TestCluster | undefined;
let client: RaftkitClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await cluster?.destroy();
  cluster = undefined;
});

describe('@raftkit/client against raftkit start', () => {
  it('put, get, getString, delete and cas through the client WebSocket API', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3']);
    client = createClient({ nodes: cluster.nodes.map((node) => node.http), requestTimeoutMs: 3000, deadlineMs: 15_000 });
    const written = await client.kv.put('greeting', 'hello');
    expect(written.index).toBeGreaterThan(1);
    expect(await client.kv.getString('greeting')).toBe('hello');
    expect(await client.kv.get('absent')).toBe(null);
    const bytes = Uint8Array.of(0, 255, 7);
    await client.kv.put('bytes', bytes);
    expect(await client.kv.get('bytes')).toEqual(bytes);

    expect(await client.kv.cas('greeting', 'hello', 'hi')).toMatchObject({ ok: true, current: 'hi' });
    expect(await client.kv.cas('greeting', 'hello', 'hey')).toMatchObject({ ok: false, current: 'hi' });
    expect(await client.kv.cas('fresh', null, 'new')).toMatchObject({ ok: true, current: 'new' });
    const removed = await client.kv.delete('greeting');
    expect(removed.index).toBeGreaterThan(written.index);
    expect(await client.kv.get('greeting')).toBe(null);

    // What the client wrote is what HTTP reads, through any node.
    for (const node of cluster.nodes) expect((await call(node, 'GET', '/v1/kv/fresh')).text).toBe('new');
    const summary = await client.status();
    expect(summary.members.voters).toEqual(['n1', 'n2', 'n3']);
    await expect(client.kv.put('', 'x')).rejects.toBeInstanceOf(RequestRejectedError);
  });

  it('commands in flight across a SIGKILL of the leader are each applied once', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3']);
    const { leader } = await cluster.waitForLeader();
    // Connected to the leader first, so the kill cuts the connection the commands are on.
    client = createClient({ nodes: [leader.http, ...cluster.nodes.filter((node) => node !== leader).map((node) => node.http)], requestTimeoutMs: 2000, deadlineMs: 30_000 });
    await client.kv.put('warm-up', 'x');

    // CAS from absent is not idempotent: applied twice, the second answer would be ok: false.
    const results: Promise<{ ok: boolean; current: string | null }>[] = [];
    for (let n = 0; n < 40; n++) {
      results.push(client.kv.cas(`once-${n}`, null, `v${n}`));
      if (n === 20) void leader.kill('SIGKILL');
      if (n % 5 === 4) await results[n];
    }
    const answers = await Promise.all(results);
    expect(answers.map((answer) => answer.ok)).toEqual(answers.map(() => true));
    expect(answers.map((answer) => answer.current)).toEqual(answers.map((_, n) => `v${n}`));

    const survivors = cluster.nodes.filter((node) => node !== leader);
    await cluster.waitForLeader(survivors);
    for (let n = 0; n < 40; n++) expect(await client.kv.getString(`once-${n}`)).toBe(`v${n}`);
    expect((await status(survivors[0]!)).leader).not.toBe(leader.id);
  });
});
