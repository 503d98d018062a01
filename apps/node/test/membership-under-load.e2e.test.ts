/**
 * Growing a cluster 3 → 5 and shrinking it 5 → 3 while `@raftkit/client` writers keep writing,
 * against real processes. Every acknowledged write must be readable on every remaining node
 * afterwards, and the leader's `GET /v1/status` must only ever show the configurations the
 * changes lead through, in order: a node added with `POST /v1/members` is first a learner, then a
 * voter; `DELETE /v1/members/:id` removes one voter. Each HTTP change moves at most one voter, so
 * it is a simple change (thesis §4.1) and `members.outgoing` must stay empty throughout.
 */
import { createClient, OutcomeUnknownError, type RaftkitClient } from '@raftkit/client';
import { afterEach, describe, expect, it } from 'vitest';
import { call, status, TestCluster, waitFor, type NodeProcess } from './support/cluster.js';
import { adminRetrying, unreadWrites } from './support/operations.js';

/** A compact snapshot threshold, so the nodes joining under load are caught up by snapshot. */
const SNAPSHOTS = { 'snapshot-entries': '100', 'snapshot-trailing': '20' } as const;

let cluster: TestCluster | undefined;
let client: RaftkitClient | undefined;
let stopWriters = () => {};
afterEach(async () => {
  stopWriters();
  await client?.close();
  client = undefined;
  await cluster?.destroy();
  cluster = undefined;
});

/** Configuration is one observation of the leader's `members`. */
interface Configuration {
  readonly voters: string;
  readonly learners: string;
  readonly outgoing: string;
}

const describeConfig = (voters: readonly string[], learners: readonly string[] = [], outgoing: readonly string[] = []): Configuration => ({
  voters: [...voters].sort().join(','),
  learners: [...learners].sort().join(','),
  outgoing: [...outgoing].sort().join(','),
});

/**
 * watchLeaderConfig polls `GET /v1/status` of whichever node leads (about every 5 ms) and records
 * each configuration it shows, collapsing repeats, until `stop()`.
 */
function watchLeaderConfig(nodes: () => readonly NodeProcess[]): { readonly seen: Configuration[]; stop(): Promise<void> } {
  const seen: Configuration[] = [];
  let stopped = false;
  let leader: NodeProcess | undefined;
  const record = (members: { voters: string[]; learners: string[]; outgoing: string[] }) => {
    const config = describeConfig(members.voters, members.learners, members.outgoing);
    const last = seen.at(-1);
    if (last === undefined || last.voters !== config.voters || last.learners !== config.learners || last.outgoing !== config.outgoing) seen.push(config);
  };
  const loop = (async () => {
    while (!stopped) {
      const candidates = leader === undefined ? nodes().filter((node) => node.running) : [leader];
      leader = undefined;
      for (const node of candidates) {
        const body = await status(node).catch(() => undefined);
        if (body?.role !== 'leader') continue;
        record(body.members);
        leader = node;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    seen,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

describe('membership changes under client load', () => {
  it('grows 3 → 5 and shrinks 5 → 3 through learner phases without losing an acknowledged write', async () => {
    cluster = await TestCluster.start(['n1', 'n2', 'n3'], { flags: SNAPSHOTS });
    const running = cluster;
    const { leader } = await running.waitForLeader();
    client = createClient({ nodes: running.nodes.map((node) => node.http), requestTimeoutMs: 2000, deadlineMs: 20_000 });
    const writer = client;

    // Four writers on one client, each with its own keys; only a resolved put is acknowledged.
    const acknowledged = new Map<string, string>();
    const uncertain: string[] = [];
    let writing = true;
    stopWriters = () => (writing = false);
    const failures: string[] = [];
    const writers = [0, 1, 2, 3].map(async (lane) => {
      for (let n = 0; writing; n++) {
        const key = `lane${lane}-${n}`;
        const value = `${lane}:${n}:${'x'.repeat(n % 7)}`;
        try {
          await writer.kv.put(key, value);
          acknowledged.set(key, value);
        } catch (error) {
          // An unknown outcome may have applied (once) or not: it promises nothing, so it is not
          // checked. Anything else means the cluster could not serve for a whole client deadline.
          if (error instanceof OutcomeUnknownError) uncertain.push(key);
          else if (writing) failures.push(`${key}: ${(error as Error).name} ${(error as Error).message}`);
        }
      }
    });
    // Enough log before the first change that a new node needs a snapshot and several rounds.
    await waitFor('300 acknowledged writes', () => (acknowledged.size >= 300 ? true : undefined), 60_000);
    const watcher = watchLeaderConfig(() => running.nodes);

    // Grow: two empty nodes waiting as non-members, added one at a time through the API.
    const grownAt: number[] = [];
    for (const id of ['n4', 'n5']) {
      const before = acknowledged.size;
      const added = await running.newNode(id, SNAPSHOTS);
      await added.start();
      const answer = await adminRetrying(leader, 'POST', '/v1/members', { id, peerAddress: added.peer, httpAddress: added.http, learner: false });
      expect(answer.json).toMatchObject({ id, role: 'voter', index: expect.any(Number) });
      await waitFor(`${id} to follow as a voter`, async () => {
        const own = await status(added);
        return own.role === 'follower' && own.leader !== null ? true : undefined;
      }, 60_000);
      // The writers kept going while the node was added.
      await waitFor(`writes acknowledged after adding ${id}`, () => (acknowledged.size > before + 20 ? true : undefined), 30_000);
      grownAt.push(acknowledged.size);
    }
    expect((await status(leader)).members.voters.sort()).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);

    // Shrink: remove two of the original members (not the leader), one at a time.
    const { leader: current } = await running.waitForLeader();
    const removed = ['n1', 'n2', 'n3'].filter((id) => id !== current.id).slice(0, 2);
    for (const id of removed) {
      const before = acknowledged.size;
      const answer = await adminRetrying(current, 'DELETE', `/v1/members/${id}`, undefined);
      expect(answer.json).toMatchObject({ id, index: expect.any(Number) });
      // A removed follower need not learn of it (the leader stops replicating to it); it keeps
      // running until the end, and its (pre-)campaigns must not disturb the others.
      expect((await status(current)).members.voters).not.toContain(id);
      await waitFor(`writes acknowledged after removing ${id}`, () => (acknowledged.size > before + 20 ? true : undefined), 30_000);
    }
    await watcher.stop();
    writing = false;
    await Promise.all(writers);
    expect(failures).toEqual([]);
    for (const id of removed) await running.node(id).kill('SIGKILL');

    const remaining = running.nodes.filter((node) => !removed.includes(node.id));
    expect(remaining.map((node) => node.id).sort()).toEqual([current.id, 'n4', 'n5'].sort());
    const final = await running.waitForLeader(remaining);
    expect((await status(final.leader)).members).toEqual({ voters: expect.any(Array), learners: [], outgoing: [] });
    expect((await status(final.leader)).members.voters.sort()).toEqual(remaining.map((node) => node.id).sort());

    // The leader showed exactly the configurations the changes go through, in order, each
    // added node first as a learner; a single-voter change never leaves an outgoing half.
    const original = ['n1', 'n2', 'n3'];
    const grown = [...original, 'n4', 'n5'];
    const stages = [
      describeConfig(original),
      describeConfig(original, ['n4']),
      describeConfig([...original, 'n4']),
      describeConfig([...original, 'n4'], ['n5']),
      describeConfig(grown),
      describeConfig(grown.filter((id) => id !== removed[0])),
      describeConfig(grown.filter((id) => !removed.includes(id))),
    ];
    const stageOf = watcher.seen.map((config) => stages.findIndex((stage) => stage.voters === config.voters && stage.learners === config.learners && stage.outgoing === config.outgoing));
    expect({ seen: watcher.seen, stageOf }).toEqual({ seen: watcher.seen, stageOf: [0, 1, 2, 3, 4, 5, 6] });

    // Every acknowledged write, on every remaining node: linearizable, and in its local state.
    expect(acknowledged.size).toBeGreaterThan(grownAt[1]!);
    for (const node of remaining) {
      expect({ node: node.id, wrong: await unreadWrites(node, acknowledged) }).toEqual({ node: node.id, wrong: [] });
    }
    const commit = (await status(final.leader)).commitIndex;
    for (const node of remaining) {
      await waitFor(`${node.id} to apply ${commit}`, async () => ((await status(node)).appliedIndex >= commit ? true : undefined));
      expect({ node: node.id, wrong: await unreadWrites(node, acknowledged, { stale: true }) }).toEqual({ node: node.id, wrong: [] });
    }
    expect((await call(final.leader, 'PUT', '/v1/kv/after-shrink', { body: 'ok' })).status).toBe(200);
  });
});
