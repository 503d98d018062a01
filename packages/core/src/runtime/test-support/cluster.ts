/**
 * An in-process cluster of RaftNodes for runtime tests: a virtual clock, the memory network and
 * MemoryStorage, so every run is the same and no test sleeps. Time moves only in `run()` and
 * `waitFor()`, which advance the clock timer by timer and let all promise work settle in between.
 */
import { createSeededRng } from '../../raft/rng.js';
import type { Message, NodeId } from '../../raft/types.js';
import { createMemoryStorage, type MemoryStorage } from '../../storage/memory-storage.js';
import type { Storage } from '../../storage/storage.js';
import { createMemoryNetwork, type MemoryNetwork } from '../../testing/memory-transport.js';
import { createVirtualClock, type VirtualClock } from '../clock.js';
import type { StateMachine, Transport } from '../interfaces.js';
import { createRaftNode, type RaftNode, type RaftNodeConfig, type RaftNodeOptions } from '../raft-node.js';

/** CounterCommand adds to a counter, or makes apply throw. */
export type CounterCommand = { readonly add: number } | { readonly fail: string };

/** CounterMachine sums what it is told to add and records every call, in order. */
export class CounterMachine implements StateMachine<CounterCommand, 'total', number> {
  total = 0;
  /** One line per call: `restore <total>` or `apply <index>@<term> <command>`. */
  readonly calls: string[] = [];

  apply(command: CounterCommand, meta: { index: number; term: number }): number {
    this.calls.push(`apply ${meta.index}@${meta.term} ${JSON.stringify(command)}`);
    if ('fail' in command) throw new Error(command.fail);
    this.total += command.add;
    return this.total;
  }

  query(): number {
    return this.total;
  }

  snapshot(): AsyncIterable<Uint8Array> {
    // Captured NOW, not when the stream is read: the runtime goes on applying meanwhile.
    const bytes = new TextEncoder().encode(JSON.stringify({ total: this.total }));
    return (async function* () {
      yield bytes;
    })();
  }

  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    let text = '';
    for await (const chunk of chunks) text += new TextDecoder().decode(chunk);
    this.total = (JSON.parse(text) as { total: number }).total;
    this.calls.push(`restore ${this.total}`);
  }
}

export type CounterNode = RaftNode<CounterCommand, 'total', number>;

/** Member is one node of the cluster with what it runs on. */
export interface Member {
  readonly node: CounterNode;
  readonly storage: MemoryStorage;
  readonly machine: CounterMachine;
}

export interface ClusterOptions {
  /** Overrides for every node's config (tickMs defaults to 10, electionTicks to 10). */
  readonly config?: Partial<Omit<RaftNodeConfig, 'id'>>;
  readonly proposalTimeoutMs?: number;
  /** Each storage write lands this many virtual ms after it starts. */
  readonly persistDelayMs?: number;
  /** Wraps each node's transport, e.g. to check every message it sends. */
  readonly wrapTransport?: (id: NodeId, transport: Transport) => Transport;
  /** Wraps each node's storage, e.g. to make it fail. */
  readonly wrapStorage?: (id: NodeId, storage: MemoryStorage) => Storage;
  /** Snapshot policy for every node (`RaftNodeOptions.snapshot`). */
  readonly snapshot?: RaftNodeOptions<CounterCommand, 'total', number>['snapshot'];
  /** Lease reads on every node (`RaftNodeOptions.leaseReads`). */
  readonly leaseReads?: RaftNodeOptions<CounterCommand, 'total', number>['leaseReads'];
  readonly readTimeoutMs?: number;
  /** How each node gathers a burst of proposals and reads (`RaftNodeOptions.schedule`). */
  readonly schedule?: RaftNodeOptions<CounterCommand, 'total', number>['schedule'];
  /** Makes each node's state machine (default: a fresh CounterMachine). */
  readonly machine?: (id: NodeId) => CounterMachine;
}

/** SentMessage is one message a node handed to its transport. */
export interface SentMessage {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly message: Message;
}

/** flush lets every queued promise job run (they all run before the next macrotask). */
export function flush(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** settle turns a promise into a value, so a test can hold a rejection without it being unhandled. */
export function settle<T>(promise: Promise<T>): { value?: T; error?: unknown; done: boolean } {
  const outcome: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(outcome, { value, done: true }),
    (error: unknown) => Object.assign(outcome, { error, done: true }),
  );
  return outcome;
}

export class TestCluster {
  readonly clock: VirtualClock = createVirtualClock();
  readonly network: MemoryNetwork = createMemoryNetwork();
  readonly members = new Map<NodeId, Member>();
  /** Every message any node sent, in send order (including those the network then drops). */
  readonly sent: SentMessage[] = [];
  /** Messages for which this returns true are dropped at the sender, like a one-way partition. */
  dropWhen: ((sent: SentMessage) => boolean) | undefined;
  /** Called for every message sent, before it is dropped or delivered (e.g. to look at the sender's status). */
  onSend: ((sent: SentMessage) => void) | undefined;

  constructor(
    readonly ids: readonly NodeId[],
    private readonly options: ClusterOptions = {},
  ) {}

  /** start starts every node on empty storage, bootstrapping the cluster. */
  async start(): Promise<void> {
    for (const id of this.ids) await this.startNode(id);
  }

  /** startNode starts `id` on `storage` (a fresh one by default) with a fresh state machine. */
  async startNode(id: NodeId, storage?: MemoryStorage, options: { join?: boolean } = {}): Promise<Member> {
    const memory = storage ?? createMemoryStorage(this.options.persistDelayMs !== undefined ? { clock: this.clock, persistDelayMs: this.options.persistDelayMs } : {});
    const machine = this.options.machine?.(id) ?? new CounterMachine();
    const transport = this.tap(id, this.network.transport(id));
    const node = createRaftNode<CounterCommand, 'total', number>({
      config: {
        id,
        tickMs: 10,
        electionTicks: 10,
        random: createSeededRng(7 + this.ids.indexOf(id)),
        ...this.options.config,
      },
      storage: this.options.wrapStorage?.(id, memory) ?? memory,
      transport: this.options.wrapTransport?.(id, transport) ?? transport,
      stateMachine: machine,
      clock: this.clock,
      ...(this.options.schedule === undefined ? {} : { schedule: this.options.schedule }),
      // A joining node starts empty and waits as a non-member until a leader adds it.
      ...(options.join === true ? {} : { bootstrap: { voters: [...this.ids], outgoingVoters: [], learners: [] } }),
      ...(this.options.proposalTimeoutMs !== undefined ? { proposalTimeoutMs: this.options.proposalTimeoutMs } : {}),
      ...(this.options.readTimeoutMs !== undefined ? { readTimeoutMs: this.options.readTimeoutMs } : {}),
      ...(this.options.snapshot !== undefined ? { snapshot: this.options.snapshot } : {}),
      ...(this.options.leaseReads !== undefined ? { leaseReads: this.options.leaseReads } : {}),
    });
    const member = { node, storage: memory, machine };
    this.members.set(id, member);
    await node.start();
    return member;
  }

  /** tap records what `id` sends in `sent` and applies `dropWhen` before the network sees it. */
  private tap(id: NodeId, transport: Transport): Transport {
    return {
      start: (onMessage) => transport.start(onMessage),
      send: (to, message) => {
        const sent = { from: id, to, message };
        this.sent.push(sent);
        this.onSend?.(sent);
        if (this.dropWhen?.(sent) === true) return;
        transport.send(to, message);
      },
      close: () => transport.close(),
    };
  }

  /** countSent counts messages of `type` sent since position `from` of `sent` (optionally only by `by`). */
  countSent(type: Message['type'], from = 0, by?: NodeId): number {
    let count = 0;
    for (let position = from; position < this.sent.length; position++) {
      const sent = this.sent[position]!;
      if (sent.message.type === type && (by === undefined || sent.from === by)) count++;
    }
    return count;
  }

  member(id: NodeId): Member {
    const member = this.members.get(id);
    if (member === undefined) throw new Error(`no member ${id}`);
    return member;
  }

  node(id: NodeId): CounterNode {
    return this.member(id).node;
  }

  /** leader is the node that believes it leads in the highest term, if any. */
  leader(): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined;
    for (const [id, { node }] of this.members) {
      const status = node.status();
      if (status.role === 'leader' && (best === undefined || status.term > best.term)) best = { id, term: status.term };
    }
    return best?.id;
  }

  /** run advances virtual time by `ms`, timer by timer, settling promise work after each. */
  async run(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    await flush();
    for (let next = this.clock.nextTimerAt(); next !== undefined && next <= target; next = this.clock.nextTimerAt()) {
      this.clock.advance(next - this.clock.now());
      await flush();
    }
    this.clock.advance(target - this.clock.now());
    await flush();
  }

  /** waitFor advances time until `condition` holds; fails after `maxMs` of virtual time. */
  async waitFor(condition: () => boolean, description: string, maxMs = 10_000): Promise<void> {
    const deadline = this.clock.now() + maxMs;
    for (let step = 0; step < 1_000_000; step++) {
      await flush();
      if (condition()) return;
      if (this.clock.now() >= deadline) break;
      const next = this.clock.nextTimerAt() ?? deadline;
      this.clock.advance(Math.min(next, deadline) - this.clock.now());
    }
    throw new Error(`timed out after ${maxMs} virtual ms waiting for ${description}`);
  }

  /** waitForLeader waits until one node leads and every other running node follows it. */
  async waitForLeader(among: readonly NodeId[] = this.ids): Promise<NodeId> {
    let leader: NodeId | undefined;
    await this.waitFor(() => {
      leader = among.find((id) => this.node(id).status().role === 'leader');
      return leader !== undefined && among.every((id) => this.node(id).status().leader === leader);
    }, `a leader among ${among.join(', ')}`);
    return leader!;
  }

  /** resolve waits for `promise` while advancing virtual time (storage may wait on the clock). */
  async resolve<T>(promise: Promise<T>, maxMs = 10_000): Promise<T> {
    const outcome = settle(promise);
    await this.waitFor(() => outcome.done, 'a promise to settle', maxMs);
    if ('error' in outcome) throw outcome.error;
    return outcome.value as T;
  }

  /** stop stops every node, advancing time so in-progress writes can finish. */
  async stop(): Promise<void> {
    await this.resolve(Promise.all([...this.members.values()].map(({ node }) => node.stop())));
  }
}
