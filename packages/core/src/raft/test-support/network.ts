/**
 * A small in-test network in the style of etcd-raft's raft_test.go: a set of `Raft` cores whose
 * effects are carried out by hand. Persists are acknowledged at once unless a node's disk is
 * `stalled`; messages are queued and delivered by `deliver()` / `stabilize()`, and can be dropped
 * per link or per node (`isolate`, `cut`, `drop`). Applied entries are recorded per node so tests
 * can compare state machines.
 */
import { createRaft, type Raft, type RaftOptions } from '../raft.js';
import { createSeededRng } from '../rng.js';
import type { RaftConfig } from '../config.js';
import type {
  Effect,
  Entry,
  InstallSnapshotMessage,
  Message,
  MessageType,
  NodeId,
  PersistEffect,
  SendEffect,
  SendSnapshotEffect,
  SnapshotMeta,
} from '../types.js';

/** Disk is what a node has made durable: what a restart would load. */
export interface Disk {
  hardState: { term: number; vote: NodeId | null; commit: number };
  entries: Entry[];
  /** The latest snapshot stored (by `snapshot()` or an installed snapshot), if any. */
  snapshot?: SnapshotMeta;
}

export interface TestNode {
  raft: Raft;
  disk: Disk;
  /** Entries handed out in apply effects, in order. */
  applied: Entry[];
  /** Sends waiting for a persist, as the runtime would hold them. */
  held: SendEffect[];
  /** Persists emitted but not yet written (when the disk is stalled). */
  unwritten: PersistEffect[];
  /** While true, persists are not written until `flushDisk(id)`. */
  stalled: boolean;
  /** Highest persist seq written and acknowledged. */
  durableSeq: number;
  /** Every effect this node produced, in order, for assertions. */
  effects: Effect[];
}

export interface NetworkOptions {
  /** Overrides applied to every node's RaftConfig. */
  config?: Partial<Omit<RaftConfig, 'id'>>;
  /** Seed for election-timeout randomness; each node gets seed + its position. */
  seed?: number;
  /**
   * Carry out snapshots (opt-in; off, `sendSnapshot` and `compact` are only recorded). A
   * `sendSnapshot` effect queues an `installSnapshot` message (done: true, empty data) to the
   * target. Delivering it first stores the snapshot on the target's disk, as the runtime does
   * before handing it to the core, then reports `snapshotSent(to, true)` to the leader; a
   * dropped one (cut link, `drop('installSnapshot')`, unknown target) reports false. `compact`
   * effects delete the covered entries from the node's disk.
   */
  snapshots?: boolean;
}

const encoder = new TextEncoder();

/** bytes encodes a string for use as proposal data. */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export class Network {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages in flight, in send order. */
  queue: Message[] = [];
  private readonly blocked = new Set<string>();
  private readonly dropTypes = new Set<MessageType>();
  /** Every message delivered, for assertions. */
  readonly delivered: Message[] = [];
  private readonly options: NetworkOptions;
  /** installSnapshot messages this network made from sendSnapshot effects, to report back. */
  private readonly snapshotMessages = new WeakSet<Message>();
  /**
   * onRelease, when set, is called for each send at the moment the runtime would hand it to the
   * transport (after its `afterPersist` seq is durable), before it is queued: tests check what a
   * message may claim against what the sender has on disk at that moment.
   */
  onRelease: ((node: TestNode, send: SendEffect) => void) | undefined = undefined;

  constructor(ids: readonly NodeId[], options: NetworkOptions = {}) {
    this.options = options;
    ids.forEach((id, position) => {
      this.add(id, { config: this.configFor(id, position), bootstrap: { voters: [...ids], outgoingVoters: [], learners: [] } });
    });
  }

  configFor(id: NodeId, position: number): RaftConfig {
    return { id, electionTicks: 10, heartbeatTicks: 1, random: createSeededRng((this.options.seed ?? 1) + position), ...this.options.config };
  }

  /** add starts a node from options (for restarts and hand-made logs). */
  add(id: NodeId, options: RaftOptions): TestNode {
    const raft = createRaft(options);
    const initial = options.initial;
    const node: TestNode = {
      raft,
      disk: {
        hardState: { ...(initial?.hardState ?? { term: 0, vote: null, commit: 0 }) },
        entries: [...(initial?.entries ?? [])],
        // A restarted node keeps its snapshot on disk, or a second restart would lose it.
        ...(initial?.snapshot !== undefined ? { snapshot: initial.snapshot } : {}),
      },
      applied: [],
      held: [],
      unwritten: [],
      stalled: false,
      durableSeq: 0,
      effects: [],
    };
    this.nodes.set(id, node);
    this.process(id);
    return node;
  }

  /** restart crashes `id` and starts it again from what its disk holds. */
  restart(id: NodeId, config?: Partial<RaftConfig>): TestNode {
    const old = this.node(id);
    const position = [...this.nodes.keys()].indexOf(id);
    return this.add(id, {
      config: { ...this.configFor(id, position), ...config },
      initial: {
        hardState: { ...old.disk.hardState },
        entries: [...old.disk.entries],
        ...(old.disk.snapshot !== undefined ? { snapshot: old.disk.snapshot } : {}),
      },
    });
  }

  node(id: NodeId): TestNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  raft(id: NodeId): Raft {
    return this.node(id).raft;
  }

  /** process carries out the effects `id` has produced so far. */
  process(id: NodeId): void {
    const node = this.node(id);
    if (!node.raft.hasEffects()) return;
    const effects = node.raft.takeEffects();
    for (const effect of effects) {
      node.effects.push(effect);
      switch (effect.type) {
        case 'persist':
          node.unwritten.push(effect);
          break;
        case 'send':
          node.held.push(effect);
          break;
        case 'apply':
          node.applied.push(...effect.entries);
          node.raft.applied(effect.entries.at(-1)!.index);
          break;
        case 'sendSnapshot':
          if (this.options.snapshots === true) this.queueSnapshot(id, effect);
          break;
        case 'compact':
          if (this.options.snapshots === true) node.disk.entries = node.disk.entries.filter((entry) => entry.index > effect.upTo);
          break;
        default:
          break;
      }
    }
    if (!node.stalled) this.flushDisk(id);
    else this.releaseSends(id);
  }

  /** flushDisk writes every pending persist of `id` in order and acknowledges them. */
  flushDisk(id: NodeId): void {
    const node = this.node(id);
    while (node.unwritten.length > 0) {
      const persist = node.unwritten.shift()!;
      writeToDisk(node.disk, persist);
      node.durableSeq = persist.seq;
      node.raft.persisted(persist.seq);
    }
    this.releaseSends(id);
    if (node.raft.hasEffects()) this.process(id);
  }

  private releaseSends(id: NodeId): void {
    const node = this.node(id);
    const still: SendEffect[] = [];
    for (const send of node.held) {
      if (send.afterPersist !== undefined && send.afterPersist > node.durableSeq) still.push(send);
      else {
        this.onRelease?.(node, send);
        this.queue.push(send.message);
      }
    }
    node.held = still;
  }

  /** tick ticks the given nodes (all by default) `times` times, processing effects each time. */
  tick(times = 1, ids: readonly NodeId[] = [...this.nodes.keys()]): void {
    for (let i = 0; i < times; i++) {
      for (const id of ids) {
        this.node(id).raft.tick();
        this.process(id);
      }
    }
  }

  /** deliver delivers every queued message once (new messages are queued for later). */
  deliver(filter?: (message: Message) => boolean): number {
    const batch = this.queue;
    this.queue = [];
    let count = 0;
    for (const message of batch) {
      if (filter !== undefined && !filter(message)) {
        this.queue.push(message);
        continue;
      }
      if (this.isDropped(message)) {
        this.reportSnapshot(message, false);
        continue;
      }
      const target = this.nodes.get(message.to);
      if (target === undefined) {
        this.reportSnapshot(message, false);
        continue;
      }
      this.delivered.push(message);
      // The runtime stores a received snapshot before the core sees it; a stale one is refused.
      if (message.type === 'installSnapshot' && this.snapshotMessages.has(message) && message.term >= target.raft.status().term) {
        storeSnapshot(target.disk, message.meta);
      }
      target.raft.receive(message);
      this.process(message.to);
      this.reportSnapshot(message, true);
      count++;
    }
    return count;
  }

  /** stabilize delivers until no message is left (bounded, so a livelock fails the test). */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      if (this.queue.length === 0) return;
      this.deliver();
    }
    throw new Error(`network did not stabilize in ${maxRounds} rounds`);
  }

  /** elect campaigns `id` and delivers until quiet; returns the raft for chaining. */
  elect(id: NodeId): Raft {
    this.raft(id).campaign();
    this.process(id);
    this.stabilize();
    return this.raft(id);
  }

  /** propose proposes on `id` and stabilizes. */
  propose(id: NodeId, text: string): void {
    this.raft(id).propose(bytes(text));
    this.process(id);
    this.stabilize();
  }

  /**
   * snapshot takes a snapshot of `id`'s state machine at `index` (default: its applied index),
   * stores it on its disk and reports it with `trailing` entries kept in the log. Returns the meta.
   */
  snapshot(id: NodeId, index?: number, trailing = 0): SnapshotMeta {
    const node = this.node(id);
    const meta = node.raft.snapshotMetaAt(index ?? node.raft.status().applied);
    storeSnapshot(node.disk, meta);
    node.raft.snapshotTaken(meta, trailing);
    this.process(id);
    return meta;
  }

  private queueSnapshot(from: NodeId, effect: SendSnapshotEffect): void {
    const message: InstallSnapshotMessage = {
      type: 'installSnapshot',
      from,
      to: effect.to,
      term: this.raft(from).status().term,
      meta: effect.meta,
      offset: 0,
      data: new Uint8Array(0),
      done: true,
    };
    this.snapshotMessages.add(message);
    this.queue.push(message);
  }

  /** reportSnapshot tells the sender how streaming a snapshot this network made ended. */
  private reportSnapshot(message: Message, ok: boolean): void {
    if (!this.snapshotMessages.has(message)) return;
    this.snapshotMessages.delete(message);
    const sender = this.nodes.get(message.from);
    if (sender === undefined) return;
    sender.raft.snapshotSent(message.to, ok);
    this.process(message.from);
  }

  /** cut blocks both directions between a and b. */
  cut(a: NodeId, b: NodeId): void {
    this.blocked.add(`${a}->${b}`);
    this.blocked.add(`${b}->${a}`);
  }

  /** cutOneWay blocks messages from `from` to `to` only. */
  cutOneWay(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}->${to}`);
  }

  /** isolate cuts `id` from every other node. */
  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cut(id, other);
  }

  /** heal removes every cut and type drop. */
  heal(): void {
    this.blocked.clear();
    this.dropTypes.clear();
  }

  /** drop discards every message of this type until heal(). */
  drop(type: MessageType): void {
    this.dropTypes.add(type);
  }

  private isDropped(message: Message): boolean {
    return this.blocked.has(`${message.from}->${message.to}`) || this.dropTypes.has(message.type);
  }

  /** leader returns the id of the node that believes it leads in the highest term, if any. */
  leader(): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined;
    for (const [id, node] of this.nodes) {
      const status = node.raft.status();
      if (status.role === 'leader' && (best === undefined || status.term > best.term)) best = { id, term: status.term };
    }
    return best?.id;
  }
}

/** writeToDisk applies a persist effect to a Disk exactly as a Storage must. */
export function writeToDisk(disk: Disk, persist: PersistEffect): void {
  if (persist.truncateFrom !== undefined) disk.entries = disk.entries.filter((entry) => entry.index < persist.truncateFrom!);
  for (const entry of persist.entries) {
    const last = disk.entries.at(-1);
    if (last !== undefined && entry.index <= last.index) disk.entries = disk.entries.filter((e) => e.index < entry.index);
    disk.entries.push(entry);
  }
  disk.hardState = { ...persist.hardState };
}

/**
 * storeSnapshot saves a snapshot on a Disk as MemoryStorage.saveSnapshot does: the log is kept
 * after the snapshot only if it continues it, and the commit is at least the snapshot's index.
 */
export function storeSnapshot(disk: Disk, meta: SnapshotMeta): void {
  const matching = disk.entries.find((entry) => entry.index === meta.index)?.term === meta.term;
  disk.entries = matching ? disk.entries.filter((entry) => entry.index > meta.index) : [];
  disk.snapshot = meta;
  if (disk.hardState.commit < meta.index) disk.hardState = { ...disk.hardState, commit: meta.index };
}

/**
 * entriesWithTerms builds a log starting at `firstIndex` with one entry per term in `terms`, as
 * the paper's figures draw logs. Each entry's data names its index and term, so two entries are
 * equal exactly when their (index, term) are (Log Matching makes that the only possible case).
 */
export function entriesWithTerms(firstIndex: number, terms: readonly number[]): Entry[] {
  return terms.map((term, offset) => ({ index: firstIndex + offset, term, type: 'normal', data: bytes(`${firstIndex + offset}@${term}`) }));
}

/**
 * handMadeState is the InitialState of a node whose log holds `terms` from index 1, without the
 * bootstrap entry: a snapshot at index 0 carries the membership.
 */
export function handMadeState(
  voters: readonly NodeId[],
  terms: readonly number[],
  hardState: { term: number; vote?: NodeId | null; commit?: number },
): NonNullable<RaftOptions['initial']> {
  return {
    hardState: { term: hardState.term, vote: hardState.vote ?? null, commit: hardState.commit ?? 0 },
    snapshot: { index: 0, term: 0, config: { voters: [...voters], outgoingVoters: [], learners: [] } },
    entries: entriesWithTerms(1, terms),
  };
}

/** logOf returns every entry `raft` holds in memory, from its first index to its last. */
export function logOf(raft: Raft): Entry[] {
  const status = raft.status();
  const entries: Entry[] = [];
  for (let index = status.snapshotIndex + 1; index <= status.lastIndex; index++) entries.push(raft.entry(index)!);
  return entries;
}
