/**
 * Crashes against real processes: SIGKILL of the leader, of every node at once, and of a
 * majority. A 200 on a write means it is on a majority's disk, so no acknowledged write may be
 * lost; a 503 means certainly not applied, so such a write may never appear later.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, putRetrying, status, TestCluster, waitFor, type NodeProcess } from './support/cluster.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

/** expectValue asserts a linearizable GET of `key` through `node` answers `value`. */
async function expectValue(node: NodeProcess, key: string, value: string): Promise<void> {
  const answer = await call(node, 'GET', `/v1/kv/${key}`);
  expect({ key, status: answer.status, value: answer.text }).toEqual({ key, status: 200, value });
}

describe('SIGKILL of the leader', () => {
  it('a new leader is elected, writes continue, and the killed node restarts and catches up', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3']);
    const { leader: first, term: firstTerm } = await cluster.waitForLeader();
    const acknowledged = new Map<string, string>();
    for (let n = 0; n < 15; n++) {
      const node = cluster.nodes[n % 3]!;
      await putRetrying(node, `before-${n}`, `v${n}`);
      acknowledged.set(`before-${n}`, `v${n}`);
    }

    await first.kill('SIGKILL');
    const survivors = cluster.nodes.filter((node) => node !== first);
    const { leader: second, term: secondTerm } = await cluster.waitForLeader(survivors);
    expect(second).not.toBe(first);
    expect(secondTerm).toBeGreaterThan(firstTerm);

    for (let n = 0; n < 15; n++) {
      const node = survivors[n % 2]!;
      await putRetrying(node, `after-${n}`, `v${n}`);
      acknowledged.set(`after-${n}`, `v${n}`);
    }
    for (const [key, value] of acknowledged) await expectValue(survivors[0]!, key, value);

    // The killed node comes back from its disk and catches up with what it missed.
    await first.start();
    const leaderStatus = await status(second);
    await waitFor(`${first.id} to apply up to ${leaderStatus.commitIndex}`, async () => {
      const own = await status(first);
      return own.appliedIndex >= leaderStatus.commitIndex && own.leader === second.id ? own : undefined;
    });
    // Its local state now holds every acknowledged write (stale reads are served from it alone).
    for (const [key, value] of acknowledged) {
      const answer = await call(first, 'GET', `/v1/kv/${key}?stale=true`);
      expect({ key, status: answer.status, value: answer.text }).toEqual({ key, status: 200, value });
    }
    expect((await status(first)).role).toBe('follower');
  });
});

describe('SIGKILL of every node', () => {
  it('loses no acknowledged write: all three killed mid-load, restarted, every 200 is there', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3']);
    const nodes = cluster.nodes;
    const acknowledged = new Map<string, string>();
    let killed = false;
    // One writer per node, writing until the kill; what was answered 200 must survive.
    const writers = nodes.map(async (node) => {
      for (let n = 0; !killed; n++) {
        const key = `load-${node.id}-${n}`;
        try {
          const answer = await call(node, 'PUT', `/v1/kv/${key}`, { body: `${node.id}:${n}`, timeoutMs: 5000 });
          if (answer.status === 200) acknowledged.set(key, `${node.id}:${n}`);
        } catch {
          // The node died under the request: no answer, no promise.
        }
      }
    });
    await waitFor('60 acknowledged writes', () => (acknowledged.size >= 60 ? true : undefined));
    killed = true;
    await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
    await Promise.all(writers);
    const count = acknowledged.size;
    expect(count).toBeGreaterThanOrEqual(60);

    await Promise.all(nodes.map((node) => node.start()));
    await cluster.waitForLeader();
    for (const [key, value] of acknowledged) await expectValue(nodes[0]!, key, value);
    expect(acknowledged.size).toBe(count);
  });
});

describe('without a quorum', () => {
  it('a write gets 503 or 504, never 200; a 503 write never appears once the quorum is back', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3']);
    const { leader } = await cluster.waitForLeader();
    await putRetrying(leader, 'before', 'ok');
    // Kill both followers: the leader is alone, and must not acknowledge anything.
    const [lost, alsoLost] = cluster.nodes.filter((node) => node !== leader);
    await Promise.all([lost!.kill('SIGKILL'), alsoLost!.kill('SIGKILL')]);

    const refused: string[] = [];
    const statuses = new Set<number>();
    for (let n = 0; n < 4; n++) {
      const key = `no-quorum-${n}`;
      const answer = await call(leader, 'PUT', `/v1/kv/${key}`, { body: 'x' });
      statuses.add(answer.status);
      expect([503, 504]).toContain(answer.status);
      expect((answer.json as { error: { code: string } }).error.code).toMatch(/^(NO_LEADER|NOT_MEMBER|SHUTTING_DOWN|OUTCOME_UNKNOWN|TIMEOUT)$/);
      if (answer.status === 503) {
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        refused.push(key);
      }
    }
    // Once check-quorum has deposed the lone leader, the answer is a certain 503.
    const settled = await waitFor('the lone node to answer 503', async () => {
      const answer = await call(leader, 'PUT', '/v1/kv/no-quorum-late', { body: 'x' });
      expect([503, 504]).toContain(answer.status);
      return answer.status === 503 ? answer : undefined;
    });
    refused.push('no-quorum-late');
    expect(Number(settled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const read = await call(leader, 'GET', '/v1/kv/before');
    expect([503, 504]).toContain(read.status);

    // Quorum back: writes succeed again, the acknowledged one is there, the refused ones are not.
    await lost!.start();
    await cluster.waitForLeader([leader, lost!]);
    await putRetrying(lost!, 'after', 'ok');
    await expectValue(leader, 'before', 'ok');
    for (const key of refused) expect({ key, status: (await call(lost!, 'GET', `/v1/kv/${key}`)).status }).toEqual({ key, status: 404 });
  });
});

describe('SIGTERM', () => {
  it('shuts a node down cleanly (exit code 0); it restarts from its data and rejoins', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3']);
    const { leader } = await cluster.waitForLeader();
    await putRetrying(leader, 'kept', 'yes');
    // Stopping the leader hands leadership over first.
    const exit = await leader.kill('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(leader.output.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
    const survivors = cluster.nodes.filter((node) => node !== leader);
    const { leader: next } = await cluster.waitForLeader(survivors);
    await putRetrying(next, 'while-down', 'yes');
    await leader.start();
    await waitFor(`${leader.id} to follow ${next.id}`, async () => ((await status(leader)).leader === next.id ? true : undefined));
    await expectValue(leader, 'while-down', 'yes');
    await expectValue(leader, 'kept', 'yes');
  });
});
