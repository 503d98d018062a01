/**
 * core's createLeaderForwarding over real WebSockets: a follower's proposal reaches the leader
 * in one hop on the authenticated Raft connection and comes back with the state machine's answer.
 */
import { createLeaderForwarding, createMemoryStorage, createRaftNode, ForwardedApplyError, type RaftNode, type StateMachine } from '@raftkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createWsTransport } from './ws-transport.js';
import { waitUntil } from './test-support/wait.js';

type Command = { readonly add: number } | { readonly fail: string };

class Counter implements StateMachine<Command, null, number> {
  total = 0;
  apply(command: Command): number {
    if ('fail' in command) throw new Error(command.fail);
    this.total += command.add;
    return this.total;
  }
  query(): number {
    return this.total;
  }
  snapshot(): AsyncIterable<Uint8Array> {
    const bytes = new TextEncoder().encode(String(this.total));
    return (async function* () {
      yield bytes;
    })();
  }
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const chunk of chunks) this.total = Number(new TextDecoder().decode(chunk));
  }
}

const ids = ['n1', 'n2', 'n3'];
let nodes: RaftNode<Command, null, number>[] = [];
afterEach(async () => {
  await Promise.allSettled(nodes.map((node) => node.stop()));
  nodes = [];
});

describe('createLeaderForwarding over createWsTransport', () => {
  it('any node takes any proposal: followers forward to the leader, errors keep their meaning', async () => {
    const built = ids.map((id) => {
      const transport = createWsTransport({ id, clusterId: 'forwarding-test', listen: { host: '127.0.0.1', port: 0 }, peers: {}, secret: 's', reconnect: { minMs: 5, maxMs: 50 }, logger: {} });
      const machine = new Counter();
      const node = createRaftNode({ config: { id, tickMs: 10 }, storage: createMemoryStorage(), transport, stateMachine: machine, bootstrap: { voters: ids, outgoingVoters: [], learners: [] } });
      return { id, transport, machine, node, front: createLeaderForwarding({ node, transport }) };
    });
    nodes = built.map((member) => member.node);
    await Promise.all(nodes.map((node) => node.start()));
    const table = Object.fromEntries(built.map((member) => [member.id, `127.0.0.1:${member.transport.address().port}`]));
    for (const member of built) member.transport.setPeers(table);

    // Proposed on every node, before a leader is known: each waits, followers forward.
    const answers = await Promise.all(built.map((member, position) => member.front.propose({ add: position + 1 })));
    expect(new Set(answers).size).toBe(3);
    expect(Math.max(...answers)).toBe(6);
    await waitUntil(() => built.every((member) => member.machine.total === 6), 'every node applied the three adds', 20_000);

    const leaderId = built[0]!.node.status().leader;
    const follower = built.find((member) => member.id !== leaderId)!;
    const error = await follower.front.propose({ fail: 'no' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ForwardedApplyError);
    expect(error).toMatchObject({ code: 'APPLY_FAILED', message: 'no', leader: leaderId });
    await expect(follower.front.read(null)).resolves.toBe(6);
  });
});
