import { afterEach, describe, expect, it } from 'vitest';
import type { Message, NodeId } from '../raft/types.js';
import type { Transport } from './interfaces.js';
import type { MessageRefusedEvent } from './raft-node.js';
import { TestCluster } from './test-support/cluster.js';

// "A bad message from outside" is refused at the runtime's receive boundary; "a bug in me" stays
// fatal. On main, each of these messages threw inside the core and stopped the node.

const ABC = ['a', 'b', 'c'] as const;
let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** startWithInjection starts a cluster whose nodes' receive handlers the test can call directly. */
async function startWithInjection(): Promise<{ cluster: TestCluster; inject: (to: NodeId, from: NodeId, message: unknown) => void; leader: NodeId; follower: NodeId }> {
  const handlers = new Map<NodeId, (from: NodeId, message: Message) => void>();
  const wrapTransport = (id: NodeId, transport: Transport): Transport => ({
    start: (onMessage) => {
      handlers.set(id, onMessage);
      return transport.start(onMessage);
    },
    send: (to, message) => transport.send(to, message),
    close: () => transport.close(),
  });
  cluster = new TestCluster(ABC, { wrapTransport });
  await cluster.start();
  const leader = await cluster.waitForLeader();
  const follower = ABC.find((id) => id !== leader)!;
  return { cluster, inject: (to, from, message) => handlers.get(to)!(from, message as Message), leader, follower };
}

describe('RaftNode receive boundary', () => {
  it('drops an appendEntries without entries with a messageRefused event, keeps running and still commits', async () => {
    const { cluster, inject, leader, follower } = await startWithInjection();
    const refused: MessageRefusedEvent[] = [];
    const errors: unknown[] = [];
    cluster.node(follower).on('messageRefused', (event) => refused.push(event));
    cluster.node(follower).on('error', (error) => errors.push(error));
    const term = cluster.node(leader).status().term;
    inject(follower, leader, { type: 'appendEntries', from: leader, to: follower, term, prevLogIndex: 2, prevLogTerm: term, leaderCommit: 2 });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ from: leader, error: { name: 'MessageValidationError', code: 'INVALID_FIELD', path: 'entries' } });

    await expect(cluster.resolve(cluster.node(leader).propose({ add: 3 }))).resolves.toBe(3);
    await cluster.waitFor(() => cluster.member(follower).machine.total === 3, 'the write applied on the follower that got the bad message');
    expect(errors).toEqual([]);
    expect(cluster.node(follower).status().role).toBe('follower');
  });

  it('refuses a term of 2^53 and never persists it', async () => {
    const { cluster, inject, leader, follower } = await startWithInjection();
    const refused: MessageRefusedEvent[] = [];
    cluster.node(follower).on('messageRefused', (event) => refused.push(event));
    const term = cluster.node(leader).status().term;
    inject(follower, leader, { type: 'heartbeat', from: leader, to: follower, term: 2 ** 53, commit: 0, round: 1 });
    inject(follower, leader, { type: 'requestVote', from: leader, to: follower, term: 2 ** 53, preVote: false, lastLogIndex: 2 ** 53, lastLogTerm: 2 ** 53 });
    expect(refused.map((event) => [event.error.code, event.error.path])).toEqual([
      ['OUT_OF_RANGE', 'term'],
      ['OUT_OF_RANGE', 'term'],
    ]);
    await cluster.resolve(cluster.node(leader).propose({ add: 1 }));
    await cluster.run(500);
    expect(cluster.node(follower).status().term).toBe(term);
    const stored = await cluster.member(follower).storage.load();
    expect(stored.hardState.term).toBe(term);
  });

  it('refuses a message whose `from` is not the peer the transport delivered it from', async () => {
    const { cluster, inject, leader, follower } = await startWithInjection();
    const refused: MessageRefusedEvent[] = [];
    cluster.node(follower).on('messageRefused', (event) => refused.push(event));
    const other = ABC.find((id) => id !== leader && id !== follower)!;
    inject(follower, other, { type: 'timeoutNow', from: leader, to: follower, term: cluster.node(leader).status().term });
    expect(refused.map((event) => [event.from, event.error.code, event.error.path])).toEqual([[other, 'INCONSISTENT', 'from']]);
    await cluster.run(200);
    expect(cluster.node(leader).status().role).toBe('leader');
  });

  it('survives every kind of garbage value without an error event', async () => {
    const { cluster, inject, leader, follower } = await startWithInjection();
    const errors: unknown[] = [];
    let refused = 0;
    cluster.node(follower).on('error', (error) => errors.push(error));
    cluster.node(follower).on('messageRefused', () => refused++);
    const garbage: unknown[] = [null, undefined, 7, 'x', [], {}, { type: 'appendEntries' }, { type: 'installSnapshot', from: leader, to: follower, term: 1, meta: null }];
    for (const value of garbage) inject(follower, leader, value);
    expect(refused).toBe(garbage.length);
    await expect(cluster.resolve(cluster.node(leader).propose({ add: 2 }))).resolves.toBe(2);
    expect(errors).toEqual([]);
  });
});
