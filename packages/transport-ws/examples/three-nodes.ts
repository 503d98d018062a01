/**
 * Three Raft nodes in one process, talking over real WebSockets on 127.0.0.1 with a shared
 * secret. Each transport listens on a free port; once all three listen, each learns the others'
 * addresses. Run with `pnpm --filter @raftkit/transport-ws run example`.
 */
import { createMemoryStorage, createRaftNode, type RaftNode, type StateMachine } from '@raftkit/core';
import { createWsTransport, type WsTransport } from '@raftkit/transport-ws';

/** A counter: the smallest useful state machine. */
class Counter implements StateMachine<number, void, number> {
  private total = 0;
  apply(add: number): number {
    this.total += add;
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
    let text = '';
    for await (const chunk of chunks) text += new TextDecoder().decode(chunk);
    this.total = Number(text);
  }
}

async function main(): Promise<void> {
  const ids = ['n1', 'n2', 'n3'];
  const transports = new Map<string, WsTransport>();
  const nodes = new Map<string, RaftNode<number, void, number>>();
  for (const id of ids) {
    const transport = createWsTransport({
      id,
      clusterId: 'example',
      listen: { host: '127.0.0.1', port: 0 },
      peers: {},
      secret: 'change me',
      reconnect: { minMs: 20, maxMs: 500 },
    });
    transports.set(id, transport);
    nodes.set(
      id,
      createRaftNode({
        config: { id, tickMs: 20 },
        storage: createMemoryStorage(),
        transport,
        stateMachine: new Counter(),
        bootstrap: { voters: ids, outgoingVoters: [], learners: [] },
      }),
    );
  }
  // start() starts each transport, which binds its port; then everyone learns the addresses.
  await Promise.all([...nodes.values()].map((node) => node.start()));
  const addresses = Object.fromEntries(ids.map((id) => [id, `127.0.0.1:${transports.get(id)!.address().port}`]));
  for (const transport of transports.values()) transport.setPeers(addresses);
  console.log('listening:', addresses);

  try {
    let leader: RaftNode<number, void, number> | undefined;
    const giveUpAt = Date.now() + 10_000;
    while ((leader = [...nodes.values()].find((node) => node.status().role === 'leader')) === undefined) {
      if (Date.now() > giveUpAt) throw new Error('no leader within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    console.log(`leader: ${leader.status().id}`);
    for (const add of [1, 2, 39]) console.log(`propose +${add} -> ${await leader.propose(add)}`);
    for (const [id, transport] of transports) {
      const { framesSent, messagesSent, dropped, connections } = transport.stats();
      console.log(`${id}: frames=${framesSent} messages=${messagesSent} dropped=${dropped} connections=${connections}`);
    }
  } finally {
    await Promise.all([...nodes.values()].map((node) => node.stop()));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
