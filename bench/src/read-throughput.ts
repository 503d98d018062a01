/**
 * Read throughput: linearizable reads per CPU-second.
 * - core ReadIndex: pure Raft cores, many `readIndex` calls per heartbeat round (batched).
 * - RaftNode ReadIndex vs lease: three in-process RaftNodes over the in-memory network with
 *   instant storage; `read()` on the leader with ReadIndex, then with lease reads (no messages).
 */
import { createMemoryStorage, createRaft, createRaftNode, createVirtualClock, type Message, type Raft, type StateMachine, type Transport } from '@raftkit/core';
import { createMemoryNetwork } from '@raftkit/core/testing';
import { cpuSeconds, report, type Row } from './report.js';

const ids = ['n1', 'n2', 'n3'];

function coreReadIndex(total: number, batch: number): Row {
  const nodes = new Map<string, Raft>(ids.map((id) => [id, createRaft({ config: { id }, bootstrap: { voters: ids, outgoingVoters: [], learners: [] } })]));
  let ready = 0;
  let messages = 0;
  const drain = () => {
    for (;;) {
      const queue: Message[] = [];
      for (const raft of nodes.values()) {
        while (raft.hasEffects()) {
          for (const effect of raft.takeEffects()) {
            if (effect.type === 'persist') raft.persisted(effect.seq);
            else if (effect.type === 'send') queue.push(effect.message);
            else if (effect.type === 'apply') raft.applied(effect.entries.at(-1)!.index);
            else if (effect.type === 'readReady') ready++;
          }
        }
      }
      if (queue.length === 0) return;
      for (const message of queue) {
        messages++;
        nodes.get(message.to)!.receive(message);
      }
    }
  };
  drain();
  const leader = nodes.get('n1')!;
  leader.campaign();
  drain();
  const seconds = cpuSeconds(() => {
    for (let issued = 0; issued < total; ) {
      for (let i = 0; i < batch && issued < total; i++) leader.readIndex(`r${issued++}`);
      drain();
    }
  });
  if (ready !== total) throw new Error(`only ${ready} of ${total} reads became ready`);
  return { mode: 'core ReadIndex', 'reads per round': batch, reads: total, 'CPU s': Number(seconds.toFixed(3)), 'reads / CPU-s': Math.round(total / seconds), 'messages / read': Number((messages / total).toFixed(3)) };
}

class Register implements StateMachine<number, 'value', number> {
  value = 0;
  apply(command: number): number {
    this.value = command;
    return this.value;
  }
  query(): number {
    return this.value;
  }
  snapshot(): AsyncIterable<Uint8Array> {
    const bytes = new TextEncoder().encode(String(this.value));
    return (async function* () {
      yield bytes;
    })();
  }
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    let text = '';
    for await (const chunk of chunks) text += new TextDecoder().decode(chunk);
    this.value = Number(text);
  }
}

async function nodeReads(mode: 'ReadIndex' | 'lease', total: number, concurrency: number): Promise<Row> {
  const clock = createVirtualClock();
  const network = createMemoryNetwork();
  let sent = 0;
  const counted = (id: string): Transport => {
    const inner = network.transport(id);
    return { start: (onMessage) => inner.start(onMessage), send: (to, message) => (sent++, inner.send(to, message)), close: () => inner.close() };
  };
  const nodes = ids.map((id) =>
    createRaftNode<number, 'value', number>({
      config: { id, tickMs: 10 },
      storage: createMemoryStorage(),
      transport: counted(id),
      stateMachine: new Register(),
      clock,
      bootstrap: { voters: ids, outgoingVoters: [], learners: [] },
      leaseReads: mode === 'lease',
    }),
  );
  await Promise.all(nodes.map((node) => node.start()));
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  let leader = nodes.find((node) => node.status().role === 'leader');
  for (let i = 0; i < 1000 && leader === undefined; i++) {
    clock.advance(10);
    await settle();
    leader = nodes.find((node) => node.status().role === 'leader');
  }
  if (leader === undefined) throw new Error('no leader');
  await leader.propose(42);
  // A heartbeat round confirmed by the quorum starts the lease.
  for (let i = 0; i < 3; i++) {
    clock.advance(10);
    await settle();
  }
  const start = process.cpuUsage();
  const sentBefore = sent;
  for (let done = 0; done < total; done += concurrency) {
    const values = await Promise.all(Array.from({ length: concurrency }, () => leader!.read('value')));
    if (values.some((value) => value !== 42)) throw new Error('a read returned the wrong value');
    if (mode === 'lease' && leader.status().leaseRemainingMs === 0) throw new Error('the lease expired during the benchmark');
  }
  const used = process.cpuUsage(start);
  const seconds = (used.user + used.system) / 1e6;
  const messages = sent - sentBefore;
  await Promise.all(nodes.map((node) => node.stop()));
  return { mode: `RaftNode ${mode}`, 'reads per round': concurrency, reads: total, 'CPU s': Number(seconds.toFixed(3)), 'reads / CPU-s': Math.round(total / seconds), 'messages / read': Number((messages / total).toFixed(3)) };
}

export async function readThroughput(): Promise<void> {
  coreReadIndex(10_000, 64);
  const rows = [coreReadIndex(200_000, 1), coreReadIndex(1_000_000, 256), await nodeReads('ReadIndex', 100_000, 64), await nodeReads('lease', 100_000, 64)];
  report('read-throughput', 'Reads: linearizable reads per CPU-second (3 nodes, zero latency)', rows);
}
