/**
 * Core throughput: a 3-node cluster of pure `Raft` cores in one process, zero latency, storage
 * that acknowledges at once. Measures committed entries and messages per CPU-second, with
 * proposals one at a time and in batches. This is the protocol's own cost, with no I/O.
 */
import { createRaft, type Message, type Raft } from '@raftkit/core';
import { cpuSeconds, report, type Row } from './report.js';

const ids = ['n1', 'n2', 'n3'];
const SNAPSHOT_EVERY = 10_000;

interface Cluster {
  nodes: Map<string, Raft>;
  queue: Message[];
  messages: number;
}

function createCluster(maxEntriesPerMessage: number): Cluster {
  const nodes = new Map<string, Raft>();
  for (const id of ids) {
    nodes.set(id, createRaft({ config: { id, maxEntriesPerMessage }, bootstrap: { voters: ids, outgoingVoters: [], learners: [] } }));
  }
  const cluster: Cluster = { nodes, queue: [], messages: 0 };
  drain(cluster);
  nodes.get('n1')!.campaign();
  drain(cluster);
  return cluster;
}

/** drain carries out effects (persists acknowledged at once) until no message is left. */
function drain(cluster: Cluster): void {
  for (;;) {
    for (const raft of cluster.nodes.values()) process(cluster, raft);
    if (cluster.queue.length === 0) return;
    const batch = cluster.queue;
    cluster.queue = [];
    for (const message of batch) {
      cluster.messages++;
      cluster.nodes.get(message.to)!.receive(message);
    }
  }
}

function process(cluster: Cluster, raft: Raft): void {
  while (raft.hasEffects()) {
    const effects = raft.takeEffects();
    // Sends held for a persist: allocated only when there is one (rare: a follower's ack).
    let held: Message[] | undefined;
    for (const effect of effects) {
      if (effect.type === 'persist') raft.persisted(effect.seq);
      else if (effect.type === 'send') {
        if (effect.afterPersist === undefined) cluster.queue.push(effect.message);
        else (held ??= []).push(effect.message);
      } else if (effect.type === 'apply') raft.applied(effect.entries[effect.entries.length - 1]!.index);
    }
    // Every persist above is already acknowledged, so held messages may go now.
    if (held !== undefined) for (const message of held) cluster.queue.push(message);
  }
}

function run(label: string, total: number, batchSize: number, payloadBytes: number): Row {
  const cluster = createCluster(batchSize === 1 ? 1 : 512);
  const leader = cluster.nodes.get('n1')!;
  const data = new Uint8Array(payloadBytes);
  const batch = Array.from({ length: batchSize }, () => data);
  const startCommit = leader.status().commit;
  const seconds = cpuSeconds(() => {
    for (let proposed = 0, sinceSnapshot = 0; proposed < total; proposed += batchSize, sinceSnapshot += batchSize) {
      if (batchSize === 1) leader.propose(data);
      else leader.proposeBatch(batch);
      drain(cluster);
      if (sinceSnapshot >= SNAPSHOT_EVERY) {
        // As the runtime does (default every 10,000 entries): snapshot and compact, keeping a
        // trailing tail, so the in-memory log stays bounded.
        sinceSnapshot = 0;
        for (const raft of cluster.nodes.values()) raft.snapshotTaken(raft.snapshotMetaAt(raft.status().applied), 1000);
      }
    }
  });
  const committed = leader.status().commit - startCommit;
  for (const raft of cluster.nodes.values()) if (raft.status().applied < leader.status().commit) throw new Error('a follower fell behind');
  return {
    mode: label,
    'batch size': batchSize,
    'payload B': payloadBytes,
    'committed entries': committed,
    'CPU s': Number(seconds.toFixed(3)),
    'entries / CPU-s': Math.round(committed / seconds),
    'messages / CPU-s': Math.round(cluster.messages / seconds),
  };
}

export function coreThroughput(): void {
  // Warm both paths up first: a short measured run would mostly time the JIT's tiers.
  run('warm-up', 50_000, 1, 64);
  run('warm-up', 200_000, 64, 64);
  // Each row runs for at least about half a CPU-second: a batched row of 0.1 s was decided by
  // whether one major GC fell inside it (2.5M one run, 5.7M the next, same code).
  const rows = [
    run('unbatched', 300_000, 1, 64),
    run('batched', 2_000_000, 64, 64),
    run('batched', 3_000_000, 256, 64),
    run('batched', 2_000_000, 256, 1024),
  ];
  report('core-throughput', 'Core: 3 pure Raft cores, zero latency, instant storage', rows);
}
