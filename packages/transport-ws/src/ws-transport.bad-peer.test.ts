import { createMemoryStorage, createRaftNode, type MemoryStorage, type RaftNode, type StateMachine } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createWsTransport, type WsTransport } from './ws-transport.js';
import { fakeDial } from './test-support/fake-peer.js';
import { createRecordingLogger } from './test-support/recording-logger.js';
import { waitUntil } from './test-support/wait.js';

// An authenticated peer (it knows the secret) sends a well-formed frame holding a malformed Raft
// message. On main the message reached the core, which threw, and the node stopped ("the Raft
// node failed and stopped"); a term of 2^53 was adopted and persisted. Now the transport refuses
// the message, closes that connection with 4004, logs one line, and the node goes on.

class Counter implements StateMachine<number, void, number> {
  total = 0;
  apply(add: number): number {
    return (this.total += add);
  }
  query(): number {
    return this.total;
  }
  async *snapshot(): AsyncIterable<Uint8Array> {
    yield new TextEncoder().encode(String(this.total));
  }
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    let text = '';
    for await (const chunk of chunks) text += new TextDecoder().decode(chunk);
    this.total = Number(text);
  }
}

interface Member {
  readonly id: string;
  readonly node: RaftNode<number, void, number>;
  readonly transport: WsTransport;
  readonly machine: Counter;
  readonly storage: MemoryStorage;
  readonly logger: ReturnType<typeof createRecordingLogger>;
  readonly errors: unknown[];
}

const ids = ['n1', 'n2', 'n3'];
const secret = 'bad-peer-secret';
let members: Member[] = [];
afterEach(async () => {
  await Promise.allSettled(members.map((member) => member.node.stop()));
  members = [];
});

async function startCluster(): Promise<Member[]> {
  members = ids.map((id) => {
    const logger = createRecordingLogger();
    const transport = createWsTransport({ id, clusterId: 'bad-peer', listen: { host: '127.0.0.1', port: 0 }, peers: {}, secret, reconnect: { minMs: 5, maxMs: 50 }, logger });
    const machine = new Counter();
    const storage = createMemoryStorage();
    const node = createRaftNode({ config: { id, tickMs: 10 }, storage, transport, stateMachine: machine, bootstrap: { voters: ids, outgoingVoters: [], learners: [] } });
    const errors: unknown[] = [];
    node.on('error', (error) => errors.push(error));
    return { id, node, transport, machine, storage, logger, errors };
  });
  await Promise.all(members.map((member) => member.node.start()));
  const table = Object.fromEntries(members.map((member) => [member.id, `127.0.0.1:${member.transport.address().port}`]));
  for (const member of members) member.transport.setPeers(table);
  await waitUntil(() => members.some((member) => member.node.status().role === 'leader'), 'a leader is elected', 20_000);
  return members;
}

/** target is n2 (n1 dials it, so a fake n1 can); the test acts as n1 with the secret. */
async function sendAsN1(target: Member, messages: readonly unknown[]): Promise<{ code: number; reason: string }> {
  const fake = await fakeDial(`ws://127.0.0.1:${target.transport.address().port}/raftkit/peer`, 'n2', { id: 'n1', clusterId: 'bad-peer', secret });
  expect(fake.refusal).toBeUndefined();
  fake.sendFrame(messages);
  return fake.closed;
}

describe('a malformed Raft message from an authenticated peer', () => {
  it('an appendEntries without entries closes that connection (4004 invalid-message, one log line); the node keeps running and still commits', async () => {
    await startCluster();
    const n2 = members[1]!;
    const term = n2.node.status().term;
    const closed = await sendAsN1(n2, [{ type: 'appendEntries', from: 'n1', to: 'n2', term, prevLogIndex: 1, prevLogTerm: 1, leaderCommit: 1 }]);
    expect(closed).toEqual({ code: 4004, reason: 'invalid-message' });
    const lines = n2.logger.warnings().filter((line) => String(line.fields?.['reason']).includes('appendEntries'));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.fields?.['reason']).toContain('INVALID_FIELD: entries');
    expect(n2.transport.stats().protocolErrors).toBe(1);

    const leader = () => members.find((member) => member.node.status().role === 'leader');
    await waitUntil(() => leader() !== undefined, 'a leader', 20_000);
    await leader()!.node.propose(5);
    await waitUntil(() => n2.machine.total === 5, 'n2 applies the write after the bad message', 20_000);
    expect(n2.errors).toEqual([]);
    expect(['follower', 'leader']).toContain(n2.node.status().role);
  });

  it('a term of 2^53 is refused and never persisted', async () => {
    await startCluster();
    const n2 = members[1]!;
    const term = n2.node.status().term;
    const closed = await sendAsN1(n2, [{ type: 'heartbeat', from: 'n1', to: 'n2', term: 2 ** 53, commit: 0, round: 1 }]);
    expect(closed).toEqual({ code: 4004, reason: 'invalid-message' });
    expect(n2.logger.warnings().map((line) => line.fields?.['reason'])).toContainEqual(expect.stringContaining('OUT_OF_RANGE: term'));
    const leader = () => members.find((member) => member.node.status().role === 'leader');
    await waitUntil(() => leader() !== undefined, 'a leader', 20_000);
    await leader()!.node.propose(1);
    await waitUntil(() => n2.machine.total === 1, 'n2 applies a later write', 20_000);
    expect(n2.node.status().term).toBeLessThan(2 ** 20);
    expect((await n2.storage.load()).hardState.term).toBeLessThan(2 ** 20);
    expect(n2.node.status().term).toBeGreaterThanOrEqual(term);
    expect(n2.errors).toEqual([]);
  });
});
