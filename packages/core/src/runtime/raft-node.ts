/**
 * RaftNode drives the pure core (`src/raft/`) with a Clock, a Storage, a Transport and a
 * StateMachine, as etcd-raft's node.go drives rawnode.go.
 *
 *   clock ── tick every tickMs ─┐
 *   transport ── receive ───────┤           ┌── persist  → Storage.append, one at a time in seq
 *   propose (batched per turn) ─┼─► Raft ──►│               order, then Raft.persisted(seq)
 *   Storage ack ── persisted ───┘  (drain)  ├── send     → Transport.send now, or held until
 *                                           │               persisted(afterPersist)
 *                                           ├── apply    → StateMachine.apply, answer the caller,
 *                                           │               then Raft.applied(lastIndex)
 *                                           └── roleChanged → 'roleChanged' listeners
 *
 * Every input is followed by draining `takeEffects()` until the core has nothing left, and the
 * effects are carried out in the order given. The drain is re-entrancy safe: an input that
 * arrives while effects are being carried out (a synchronous transport, a listener) only adds
 * effects, which the running drain picks up before it returns.
 */
import { resolveRaftConfig, type RaftConfig } from '../raft/config.js';
import { ConfigError } from '../raft/errors.js';
import { createRaft, type Raft } from '../raft/raft.js';
import { MessageValidationError, validateMessage } from '../raft/validate-message.js';
import type {
  ApplyEffect,
  Effect,
  Entry,
  InstallSnapshotMessage,
  MembershipChange,
  MembershipConfig,
  Message,
  NodeId,
  PersistEffect,
  RaftStatus,
  RestoreSnapshotEffect,
  Role,
  SendEffect,
  SnapshotMeta,
} from '../raft/types.js';
import type { Storage } from '../storage/storage.js';
import { createRealClock } from './clock.js';
import { createJsonCodec } from './codec.js';
import { NoLeaderError, NodeStoppedError, NotLeaderError, OutcomeUnknownError, ProposalDroppedError, RequestRefusedError, TimeoutError } from './errors.js';
import { LeaderLease } from './leader-lease.js';
import { ReadWaiters } from './read-waiters.js';
import { SnapshotReceiver } from './snapshot-receiver.js';
import { SnapshotSender, type SnapshotSenderOptions } from './snapshot-sender.js';
import { Listeners } from './events.js';
import type { AbortSignalLike, Clock, Codec, StateMachine, Transport } from './interfaces.js';
import { PendingProposals, type ApplyOutcome, type Waiter } from './pending-proposals.js';

/** RaftNodeConfig is the core's config plus the runtime's tick length. */
export interface RaftNodeConfig extends RaftConfig {
  /** Milliseconds per logical tick; at least 1 (TICK_TOO_SMALL). Default 100. */
  readonly tickMs?: number;
}

/** Options for `createRaftNode`. */
export interface RaftNodeOptions<Command, Query, Result, QueryResult = Result> {
  readonly config: RaftNodeConfig;
  readonly storage: Storage;
  readonly transport: Transport;
  readonly stateMachine: StateMachine<Command, Query, Result, QueryResult>;
  /** Default: the host's timers (`createRealClock()`). */
  readonly clock?: Clock;
  /** Turns commands into entry bytes. Default: JSON over UTF-8. */
  readonly codec?: Codec<Command>;
  /** Membership to bootstrap a new cluster with; ignored when storage holds state. */
  readonly bootstrap?: MembershipConfig;
  /** A proposal not answered within this many ms rejects with TimeoutError. Default 5000. */
  readonly proposalTimeoutMs?: number;
  /** A read not answered within this many ms rejects with ReadTimeoutError. Default proposalTimeoutMs. */
  readonly readTimeoutMs?: number;
  /**
   * Snapshot policy: snapshot the state machine once `entries` entries were applied since the
   * last snapshot (default 10,000), keep `trailing` entries behind it for slow followers
   * (default min(entries, 1,000)); `transfer` tunes InstallSnapshot streaming.
   */
  readonly snapshot?: { readonly entries?: number; readonly trailing?: number; readonly transfer?: SnapshotSenderOptions };
  /**
   * Lease reads (opt-in; needs checkQuorum; set on every node): while the leader's lease holds,
   * `read` is served locally without a heartbeat round. The lease lasts (electionTicks - 1) ×
   * tickMs from the send time of a heartbeat round a quorum acknowledged, minus `driftMs`
   * (default: a quarter of it) for clocks that run at different rates.
   */
  readonly leaseReads?: boolean | { readonly driftMs?: number };
  /**
   * How the proposals of one burst are gathered: `schedule(flush)` must call `flush` once, later.
   * Everything proposed before it runs becomes one `proposeBatch`: one persist, one AppendEntries
   * per follower. Default: the host's `setImmediate` where there is one (Node, Bun, Deno), so a
   * batch is everything that arrived in one event-loop turn, all the sockets read in one poll;
   * else a microtask. (Linearizable reads are gathered per microtask: a read's heartbeat round is
   * cheap, and sending it at once gave 2-20% more reads/s in paired runs than waiting for the
   * end of the turn.)
   */
  readonly schedule?: (flush: () => void) => void;
}

/** The default `schedule`: the end of this event-loop turn where the host can tell, else a microtask. */
const hostSetImmediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
const scheduleAfterTurn: (flush: () => void) => void =
  hostSetImmediate === undefined ? (flush) => queueMicrotask(flush) : (flush) => void hostSetImmediate(flush);

/** RaftNodeStatus is the core's status plus what the state machine has applied. */
export interface RaftNodeStatus extends RaftStatus {
  /** Last index the state machine has applied (or restored from a snapshot). */
  readonly appliedIndex: number;
  /** Milliseconds the leader's read lease still holds (0 without lease reads or off the leader). */
  readonly leaseRemainingMs: number;
  /** Peers a snapshot is being streamed to right now. */
  readonly sendingSnapshotTo: readonly NodeId[];
}

/**
 * RaftNodeInspector is a read-only view of a node's protocol core, for simulators and tests that
 * check Raft's invariants from outside (Log Matching, Leader Append-Only, ...). It reads the
 * in-memory state as it is now, which may be ahead of what storage holds.
 */
export interface RaftNodeInspector {
  /** status is the core's status now (as `RaftNode.status()`, without `appliedIndex`). */
  status(): RaftStatus;
  /** entry is the in-memory log entry at `index`; undefined when compacted away or past the end. */
  entry(index: number): Entry | undefined;
}

/** RoleChangedEvent reports every role, term or known-leader change. */
export interface RoleChangedEvent {
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId | null;
}

/** MessageRefusedEvent reports a message from outside that failed validation and was dropped. */
export interface MessageRefusedEvent {
  /** The peer the transport says sent it. */
  readonly from: NodeId;
  readonly error: MessageValidationError;
}

/** RaftNodeEvents maps each event name to its payload. */
export interface RaftNodeEvents {
  roleChanged: RoleChangedEvent;
  /**
   * A message from a peer was malformed (see `validateMessage`) and dropped; the node goes on.
   * A bad message from outside is refused, never fatal: `error` is for faults of this node.
   */
  messageRefused: MessageRefusedEvent;
  /**
   * A fatal failure (a storage write failed, the core detected a safety violation); the node
   * stops. Without a listener the error is thrown as uncaught, as EventEmitter does.
   */
  error: unknown;
}

/** RaftNode is one running member of a cluster; `QueryResult` is what reads answer (default `Result`). */
export interface RaftNode<Command, Query, Result, QueryResult = Result> {
  readonly id: NodeId;
  /** start loads storage, restores the snapshot, replays (snapshot, commit], starts transport and ticks. */
  start(): Promise<void>;
  /**
   * propose replicates `command` and resolves with the state machine's result once it is
   * applied here. Rejects with NotLeaderError, ProposalDroppedError or NodeStoppedError when the
   * command was certainly not appended, OutcomeUnknownError (or TimeoutError) when it may commit.
   */
  propose(command: Command): Promise<Result>;
  /**
   * query asks the local state machine. It is a LOCAL (stale) read: it may miss writes
   * acknowledged elsewhere. Use `read` for a linearizable one.
   */
  query(query: Query): QueryResult;
  /**
   * read answers `query` linearizably: it reflects every write acknowledged before it was called
   * (ReadIndex, thesis §6.4; or the leader's lease when lease reads are on). Works on followers
   * too (the read index comes from the leader). Rejects NotLeaderError when no leader is known,
   * ReadTimeoutError when no answer came in time: a read changes nothing, so retrying is safe.
   */
  read(query: Query): Promise<QueryResult>;
  /**
   * changeMembership changes the configuration and resolves once it is committed and applied
   * here (for a joint change: once the cluster has left the joint configuration). Rejects
   * RequestRefusedError (certainly not applied) or OutcomeUnknownError (leadership lost meanwhile).
   */
  changeMembership(change: MembershipChange): Promise<{ index: number }>;
  /**
   * transferLeadership hands leadership to `to` (or the most up-to-date voter) and resolves with
   * the new leader and term. Rejects RequestRefusedError, or TimeoutError after two election timeouts.
   */
  transferLeadership(to?: NodeId): Promise<{ leader: NodeId; term: number }>;
  /**
   * waitForLeader resolves with the leader's id as soon as this node knows one (at once if it
   * does), e.g. right after start() before the first read or proposal. Rejects NoLeaderError when
   * `signal` aborts first (`AbortSignal.timeout(ms)` for a deadline), NodeStoppedError when the
   * node is not running or stops meanwhile. The leader may change right after: a proposal can
   * still get NotLeaderError and should follow its hint.
   */
  waitForLeader(options?: { readonly signal?: AbortSignalLike }): Promise<NodeId>;
  /** status describes this node; throws NodeStoppedError before start(). */
  status(): RaftNodeStatus;
  /**
   * lastApplied is `status().appliedIndex` without building the rest of the status: the index of
   * the last entry applied here (configuration and no-op entries count), cheap enough for every read.
   */
  lastApplied(): number;
  /**
   * inspect returns a read-only view of the protocol core for simulators and tests. The entries
   * it hands out are the core's own objects: never mutate them. Throws NodeStoppedError before
   * start(); after stop() it shows the state the node stopped in.
   */
  inspect(): RaftNodeInspector;
  /** on adds a listener; the returned function removes it. */
  on<Name extends keyof RaftNodeEvents>(event: Name, listener: (payload: RaftNodeEvents[Name]) => void): () => void;
  /** stop stops ticking, rejects waiting proposals, and closes the transport and storage. */
  stop(): Promise<void>;
}

const DEFAULT_TICK_MS = 100;
const DEFAULT_PROPOSAL_TIMEOUT_MS = 5000;

/** createRaftNode validates the configuration (throwing ConfigError) and returns a stopped node. */
export function createRaftNode<Command, Query, Result, QueryResult = Result>(
  options: RaftNodeOptions<Command, Query, Result, QueryResult>,
): RaftNode<Command, Query, Result, QueryResult> {
  return new RaftNodeRuntime(options);
}

type NodeState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** StorageWrite is one queued storage call: a persist effect, or a snapshot save or compaction. */
type StorageWrite =
  | { readonly kind: 'persist'; readonly persist: PersistEffect }
  | { readonly kind: 'other'; readonly what: string; readonly run: () => Promise<void>; readonly done: () => void };

/** A command waiting for this event-loop turn's `proposeBatch`. */
interface BatchedProposal<Result> extends Waiter<Result> {
  readonly data: Uint8Array;
}

class RaftNodeRuntime<Command, Query, Result, QueryResult> implements RaftNode<Command, Query, Result, QueryResult> {
  readonly id: NodeId;
  private readonly options: RaftNodeOptions<Command, Query, Result, QueryResult>;
  private readonly tickMs: number;
  private readonly clock: Clock;
  private readonly schedule: (flush: () => void) => void;
  private readonly codec: Codec<Command>;
  private readonly storage: Storage;
  private readonly transport: Transport;
  private readonly stateMachine: StateMachine<Command, Query, Result, QueryResult>;
  private readonly listeners = new Listeners<RaftNodeEvents>();
  private readonly proposals: PendingProposals<Result>;
  private readonly reads: ReadWaiters;
  private readonly lease: LeaderLease | undefined;
  private readonly snapshotSender: SnapshotSender;
  private readonly snapshotReceiver = new SnapshotReceiver();
  private readonly snapshotEntries: number;
  private readonly snapshotTrailing: number;
  /** Index of the last snapshot stored (or being stored). */
  private snapshotIndex = 0;
  /** This node's own snapshot save, while it runs (beside the appends, not in the write queue). */
  private ownSave: Promise<void> | undefined;
  /** While a received snapshot is being stored: the inputs (messages, ticks) waiting for it. */
  private installing: (() => void)[] | undefined;
  /** Callbacks waiting for the applied index to move (membership changes). */
  private appliedWatchers: (() => void)[] = [];

  private state: NodeState = 'new';
  private raft: Raft | undefined;
  private cancelTick: (() => void) | undefined;
  private draining = false;
  /** Settles when shutdown has finished. */
  private stopped: Promise<void> | undefined;
  /** The fatal error that stopped the node, if one did. */
  private failure: unknown;

  private batch: BatchedProposal<Result>[] = [];
  /** Contexts of the reads made in this event-loop turn, sharing one read index request. */
  private readBatch: string[] = [];

  /** Persists not yet handed to storage, in seq order. */
  private readonly writeQueue: StorageWrite[] = [];
  /** The one storage.append in progress, if any. */
  private persisting: Promise<void> | undefined;
  /** Highest seq storage has made durable. */
  private durableSeq = 0;
  /** Sends waiting for `durableSeq` to reach their `afterPersist`, in effect order. */
  private heldSends: SendEffect[] = [];

  /** Apply and restore work, in effect order; it waits while a snapshot restore runs. */
  private readonly stateMachineWork: (ApplyEffect | RestoreSnapshotEffect)[] = [];
  private restoring: Promise<void> | undefined;
  private appliedIndex = 0;

  constructor(options: RaftNodeOptions<Command, Query, Result, QueryResult>) {
    const tickMs = options.config.tickMs ?? DEFAULT_TICK_MS;
    if (!Number.isFinite(tickMs) || tickMs < 1) {
      throw new ConfigError('TICK_TOO_SMALL', `tickMs must be at least 1 ms, got ${String(tickMs)}`);
    }
    const proposalTimeoutMs = options.proposalTimeoutMs ?? DEFAULT_PROPOSAL_TIMEOUT_MS;
    if (!Number.isFinite(proposalTimeoutMs) || proposalTimeoutMs <= 0) {
      throw new ConfigError('INVALID_LIMIT', `proposalTimeoutMs must be a positive number of ms, got ${String(proposalTimeoutMs)}`);
    }
    // Validate the core's part now, so a bad config fails at construction, not at start(); with
    // the lease setting start() will hand the core (LEASE_WITHOUT_CHECK_QUORUM).
    const leaseReads = (options.leaseReads !== undefined && options.leaseReads !== false) || options.config.leaseReads === true;
    resolveRaftConfig(leaseReads ? { ...options.config, leaseReads } : options.config);
    this.options = options;
    this.id = options.config.id;
    this.tickMs = tickMs;
    this.clock = options.clock ?? createRealClock();
    this.schedule = options.schedule ?? scheduleAfterTurn;
    this.codec = options.codec ?? createJsonCodec<Command>();
    this.storage = options.storage;
    this.transport = options.transport;
    this.stateMachine = options.stateMachine;
    this.proposals = new PendingProposals<Result>(this.clock, proposalTimeoutMs);
    this.reads = new ReadWaiters(this.clock, options.readTimeoutMs ?? proposalTimeoutMs, `${options.config.id}:read`);
    const electionTicks = options.config.electionTicks ?? 10;
    if (leaseReads) {
      const full = (electionTicks - 1) * tickMs;
      const driftMs = typeof options.leaseReads === 'object' && options.leaseReads.driftMs !== undefined ? options.leaseReads.driftMs : full / 4;
      if (!(driftMs >= 0) || driftMs >= full) {
        throw new ConfigError('INVALID_LIMIT', `leaseReads.driftMs must be in [0, ${full}) ms ((electionTicks - 1) × tickMs), got ${String(driftMs)}`);
      }
      this.lease = new LeaderLease(this.clock, full - driftMs);
    }
    this.snapshotEntries = options.snapshot?.entries ?? 10_000;
    this.snapshotTrailing = options.snapshot?.trailing ?? Math.min(this.snapshotEntries, 1000);
    if (!Number.isSafeInteger(this.snapshotEntries) || this.snapshotEntries < 1 || !Number.isSafeInteger(this.snapshotTrailing) || this.snapshotTrailing < 0) {
      throw new ConfigError('INVALID_LIMIT', `snapshot.entries must be ≥ 1 and snapshot.trailing ≥ 0, got ${this.snapshotEntries} and ${this.snapshotTrailing}`);
    }
    this.snapshotSender = new SnapshotSender(
      this.id,
      this.clock,
      (to, message) => this.transport.send(to, message),
      (to, ok) => this.input(() => this.raft!.snapshotSent(to, ok)),
      options.snapshot?.transfer,
    );
  }

  // ------------------------------------------------------------------------------------------
  // Public API
  // ------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.state !== 'new') throw new NodeStoppedError(`start() called on a node that is ${this.state}`);
    this.state = 'starting';
    try {
      const loaded = await this.storage.load();
      this.raft = createRaft({
        config: { ...this.options.config, leaseReads: this.lease !== undefined },
        initial: loaded,
        ...(this.options.bootstrap !== undefined ? { bootstrap: this.options.bootstrap } : {}),
      });
      this.appliedIndex = loaded.snapshot?.index ?? 0;
      this.snapshotIndex = this.appliedIndex;
      // The first drain restores the snapshot (if any) and replays (snapshot, commit] (docs/architecture.md
      // "Restart"); wait for that before taking part in the cluster.
      this.drain();
      while (this.restoring !== undefined) await this.restoring;
      this.assertStarting();
      await this.transport.start((from, message) => this.fromPeer(from, message));
      this.assertStarting();
      this.state = 'running';
      this.scheduleTick();
    } catch (error) {
      if (this.state === 'starting') await this.shutDown().catch(() => {});
      throw error;
    }
  }

  /** assertStarting throws when a failure or stop() interrupted start(). */
  private assertStarting(): void {
    if (this.state === 'starting') return;
    throw this.failure ?? new NodeStoppedError('the node was stopped while starting');
  }

  propose(command: Command): Promise<Result> {
    if (this.state !== 'running') return Promise.reject(new NodeStoppedError());
    let data: Uint8Array;
    try {
      data = this.codec.encode(command);
    } catch (error) {
      return Promise.reject(error);
    }
    if (data.byteLength === 0) {
      // An empty normal entry is the no-op a new leader appends; the state machine never sees it.
      return Promise.reject(new TypeError('a command must encode to at least one byte'));
    }
    return new Promise<Result>((resolve, reject) => {
      this.batch.push({ data, resolve, reject });
      // Everything proposed in this event-loop turn goes into one proposeBatch: one persist and
      // one round of AppendEntries for all of it.
      if (this.batch.length === 1) this.schedule(() => this.flushProposals());
    });
  }

  query(query: Query): QueryResult {
    return this.stateMachine.query(query);
  }

  read(query: Query): Promise<QueryResult> {
    if (this.state !== 'running' || this.raft === undefined) return Promise.reject(new NodeStoppedError());
    const raft = this.raft;
    return new Promise<QueryResult>((resolve, reject) => {
      const answer = () => {
        try {
          resolve(this.stateMachine.query(query));
        } catch (error) {
          reject(error);
        }
      };
      const context = this.reads.add(answer, reject);
      // A lease read skips the heartbeat round: nobody else can lead while the lease holds.
      const localIndex = this.lease?.valid() === true ? raft.localReadIndex() : undefined;
      if (localIndex !== undefined) {
        this.reads.ready(context, localIndex, this.appliedIndex);
        return;
      }
      // The reads made together (one microtask's) ride on one read index request: one heartbeat
      // round on the leader, one message to it from a follower (as etcd's server batches its reads).
      // Not gathered for the whole turn, as proposals are: see RaftNodeOptions.schedule.
      this.readBatch.push(context);
      if (this.readBatch.length === 1) queueMicrotask(() => this.flushReads());
    });
  }

  /** flushReads asks the core for one read index for every read made in this turn. */
  private flushReads(): void {
    const contexts = this.readBatch;
    this.readBatch = [];
    const request = contexts[0];
    // A stopping node has already rejected them.
    if (request === undefined || this.state !== 'running' || this.raft === undefined) return;
    const raft = this.raft;
    this.reads.share(request, contexts);
    this.input(() => {
      const result = raft.readIndex(request);
      if (!result.ok) this.reads.fail(request, new NotLeaderError(result.leaderHint));
    });
  }

  async changeMembership(change: MembershipChange): Promise<{ index: number }> {
    const deadline = this.clock.now() + this.proposals.timeoutMs;
    for (;;) {
      if (this.state !== 'running' || this.raft === undefined) throw new NodeStoppedError();
      const raft = this.raft;
      const result = raft.changeMembership(change);
      this.input(() => {});
      if (result.ok) {
        const index = result.index!;
        const term = raft.status().term;
        // Done once the entry (and, for a joint change, the leave entry after it) is applied.
        await this.waitApplied(deadline, () => {
          const status = raft.status();
          if (status.term !== term && this.appliedIndex < index) throw new OutcomeUnknownError(index, term, 'leadership was lost while the membership change was pending');
          return this.appliedIndex >= index && status.config.outgoingVoters.length === 0 && this.appliedIndex >= status.configIndex;
        }, () => new TimeoutError(index, term, this.proposals.timeoutMs));
        return { index };
      }
      // A new leader must first commit its empty entry; that takes one round trip.
      if (result.reason !== 'leader-not-ready') throw new RequestRefusedError(result.reason, result.leaderHint);
      await this.waitApplied(deadline, () => true, () => new RequestRefusedError('leader-not-ready', result.leaderHint));
    }
  }

  transferLeadership(to?: NodeId): Promise<{ leader: NodeId; term: number }> {
    if (this.state !== 'running' || this.raft === undefined) return Promise.reject(new NodeStoppedError());
    const raft = this.raft;
    const result = raft.transferLeadership(to);
    if (!result.ok) return Promise.reject(new RequestRefusedError(result.reason, result.leaderHint));
    const startTerm = raft.status().term;
    if (to === this.id) {
      // This node leads already: the answer is immediate. A transfer in progress was cancelled
      // (thesis §3.10), so proposals are taken again.
      this.input(() => {});
      return Promise.resolve({ leader: this.id, term: startTerm });
    }
    // Lease reads end when a transfer starts (docs/architecture.md): the target will campaign past the lease.
    // If a TimeoutNow goes out, the core keeps them off for the rest of the term.
    this.lease?.revoke();
    this.input(() => {});
    const electionTicks = this.options.config.electionTicks ?? 10;
    return new Promise((resolve, reject) => {
      const done = (outcome: { leader: NodeId; term: number } | Error) => {
        off();
        cancel();
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const off = this.on('roleChanged', (event) => {
        if (event.leader !== null && event.leader !== this.id && event.term > startTerm) done({ leader: event.leader, term: event.term });
      });
      const status = raft.status();
      if (status.role === 'leader' && status.leader === this.id && (to === undefined || to === this.id) && status.transferee === null && status.progress.length === 0) {
        // A single-node cluster (or a transfer to ourselves): we stay leader.
        queueMicrotask(() => done({ leader: this.id, term: startTerm }));
      }
      const cancel = this.clock.setTimeout(
        () => done(new RequestRefusedError('target-unresponsive', raft.status().leader)),
        2 * electionTicks * this.tickMs,
      );
    });
  }

  waitForLeader(options: { readonly signal?: AbortSignalLike } = {}): Promise<NodeId> {
    const { signal } = options;
    return new Promise<NodeId>((resolve, reject) => {
      let finished = false;
      const finish = (outcome: NodeId | Error) => {
        if (finished) return;
        finished = true;
        off();
        signal?.removeEventListener('abort', aborted);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      // Checked on every role change, and (through the applied watchers) on every tick, apply and stop.
      const check = () => {
        if (finished) return;
        if (this.state !== 'running' || this.raft === undefined) return finish(new NodeStoppedError());
        const leader = this.raft.status().leader;
        if (leader !== null) return finish(leader);
        this.appliedWatchers.push(check);
      };
      const aborted = () => finish(new NoLeaderError(signal?.reason));
      const off = this.on('roleChanged', check);
      if (signal?.aborted === true) return aborted();
      signal?.addEventListener('abort', aborted, { once: true });
      check();
    });
  }

  lastApplied(): number {
    return this.appliedIndex;
  }

  status(): RaftNodeStatus {
    if (this.raft === undefined) throw new NodeStoppedError('the node has not been started');
    const status = this.raft.status();
    return {
      ...status,
      appliedIndex: this.appliedIndex,
      // The lease counts only while the core allows lease reads (not during a transfer, nor for
      // the rest of a term in which this node sent TimeoutNow).
      leaseRemainingMs: this.lease !== undefined && this.raft.localReadIndex() !== undefined ? this.lease.remainingMs() : 0,
      sendingSnapshotTo: status.progress.filter((peer) => this.snapshotSender.sending(peer.id)).map((peer) => peer.id),
    };
  }

  /** waitApplied resolves once `done()` holds, checked after every apply and tick, or rejects at the deadline. */
  private waitApplied(deadline: number, done: () => boolean, timeout: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let cancel = () => {};
      const check = () => {
        let finished: boolean;
        try {
          finished = done();
        } catch (error) {
          cancel();
          reject(error);
          return;
        }
        if (finished) {
          cancel();
          resolve();
        } else if (!this.active) {
          cancel();
          reject(new NodeStoppedError());
        } else if (this.clock.now() >= deadline) {
          cancel();
          reject(timeout());
        } else {
          this.appliedWatchers.push(check);
        }
      };
      cancel = this.clock.setTimeout(() => {
        this.appliedWatchers = this.appliedWatchers.filter((watcher) => watcher !== check);
        reject(timeout());
      }, Math.max(0, deadline - this.clock.now()));
      this.appliedWatchers.push(check);
    });
  }

  private notifyAppliedWatchers(): void {
    if (this.appliedWatchers.length === 0) return;
    const watchers = this.appliedWatchers;
    this.appliedWatchers = [];
    for (const watcher of watchers) watcher();
  }

  /**
   * fromPeer is the receive boundary. What a transport hands up comes from outside, so it is
   * validated before it becomes an input of the core: a malformed message is dropped with a
   * `messageRefused` event and the node goes on. A throw from the core after this point is a bug
   * in this node and stays fatal (see `input`).
   */
  private fromPeer(from: NodeId, message: unknown): void {
    if (!this.active) return;
    let valid: Message;
    try {
      valid = validateMessage(message);
      if (valid.from !== from) throw new MessageValidationError('INCONSISTENT', 'from', `the transport delivered it from ${JSON.stringify(from)}`);
    } catch (error) {
      const refused = error instanceof MessageValidationError ? error : new MessageValidationError('INVALID_FIELD', '', String(error));
      this.listeners.emit('messageRefused', { from, error: refused });
      return;
    }
    this.input(() => this.unlessInstalling(() => this.receive(valid)));
  }

  /**
   * receive routes one message from a peer. Snapshot chunks are assembled here (the core only
   * sees the final message, once the snapshot is stored); everything else goes to the core.
   */
  private receive(message: Message): void {
    const raft = this.raft!;
    if (message.type === 'installSnapshotResponse') this.snapshotSender.acknowledge(message);
    if (message.type !== 'installSnapshot') {
      raft.receive(message);
      return;
    }
    // The core sees every chunk as a non-final message: it updates the term and resets the
    // election timer (a long transfer is not a silent leader), but stores nothing.
    raft.receive({ ...message, done: false });
    const status = raft.status();
    if (status.term !== message.term || status.leader !== message.from) return;
    // Chunks may arrive reordered or twice; the snapshot is whole once every byte up to the final
    // message's offset is held, whichever message came last (found by @raftkit/sim, seed 226 of
    // the membership scenario: a transfer refused every out-of-order chunk and never finished).
    const { acknowledgement, complete } = this.snapshotReceiver.receive(message, status.term);
    if (acknowledgement !== undefined) this.transport.send(message.from, acknowledgement);
    if (complete === undefined) return;
    if (complete.final.meta.index <= Math.max(status.commit, this.snapshotIndex)) {
      // A snapshot this node has already passed (its commit or its own snapshot is at or beyond
      // it) MUST NOT be stored: storage would move back to it and drop the log after it. The core
      // answers it without restoring anything.
      raft.receive(complete.final);
      return;
    }
    this.installSnapshot(complete.final, complete.chunks);
  }

  /** installSnapshot stores a received snapshot, then lets the core restore from it. */
  private installSnapshot(message: InstallSnapshotMessage, chunks: readonly Uint8Array[]): void {
    const stream = (async function* () {
      yield* chunks;
    })();
    this.snapshotIndex = Math.max(this.snapshotIndex, message.meta.index);
    // Until the core has the snapshot, messages and ticks wait: a term change in between (a vote
    // request, an election timeout) would make the core drop the stored snapshot's message, and
    // storage would hold a snapshot the core's log knows nothing of (found by @raftkit/sim, seed
    // 359 of the transfer scenario: a later append truncating below it failed the node).
    this.installing ??= [];
    this.enqueueWrite({
      kind: 'other',
      what: `storing the snapshot at ${message.meta.index}`,
      // After this node's own save, if one runs: two saves of snapshots must land in index order.
      run: async () => {
        await this.ownSave;
        await this.storage.saveSnapshot(message.meta, stream);
      },
      done: () => {
        this.raft!.receive(message);
        const waiting = this.installing ?? [];
        this.installing = undefined;
        for (const [position, input] of waiting.entries()) {
          if (this.installing !== undefined) {
            // A waiting message started another install: the rest waits for that one.
            (this.installing as (() => void)[]).push(...waiting.slice(position));
            return;
          }
          input();
        }
      },
    });
  }

  /** unlessInstalling runs a core input now, or after the received snapshot being stored reaches the core. */
  private unlessInstalling(input: () => void): void {
    if (this.installing !== undefined) this.installing.push(input);
    else input();
  }

  /**
   * maybeSnapshot stores a snapshot once enough entries were applied since the last one. The save
   * does not wait in the write queue, and appends do not wait for it: the snapshot holds only
   * applied, so committed and locally durable, entries, which no later append truncates, and
   * Storage lets a snapshot's save land after appends called while its chunks are read. (In the
   * queue, every append waited for the whole save: the tail of the write latency.)
   */
  private maybeSnapshot(): void {
    if (this.ownSave !== undefined || this.appliedIndex - this.snapshotIndex < this.snapshotEntries || !this.active) return;
    const raft = this.raft!;
    const meta = raft.snapshotMetaAt(this.appliedIndex);
    // StateMachine.snapshot captures the state at the applied index when CALLED, so no apply
    // may run between snapshotMetaAt and this call (both are synchronous here).
    const chunks = this.stateMachine.snapshot();
    this.snapshotIndex = meta.index;
    const save = this.storage.saveSnapshot(meta, chunks).then(
      () => {
        this.ownSave = undefined;
        // The compaction this may emit is queued after the save has landed, never beside it.
        this.input(() => raft.snapshotTaken(meta, this.snapshotTrailing));
      },
      (error: unknown) => {
        this.ownSave = undefined;
        this.fail(new Error(`storing the snapshot at ${meta.index} failed`, { cause: error }));
      },
    );
    this.ownSave = save;
  }

  /** sendSnapshot streams the stored snapshot to a follower behind the compacted log. */
  private sendSnapshot(to: NodeId): void {
    const term = this.raft!.status().term;
    this.storage.readSnapshot().then(
      (stored) => {
        if (!this.active) return;
        if (stored === undefined) {
          this.input(() => this.raft!.snapshotSent(to, false));
          return;
        }
        this.snapshotSender.start(to, stored.meta, term, stored.chunks);
      },
      (error: unknown) => this.fail(new Error('reading the snapshot to send failed', { cause: error })),
    );
  }

  inspect(): RaftNodeInspector {
    const raft = this.raft;
    if (raft === undefined) throw new NodeStoppedError('the node has not been started');
    return { status: () => raft.status(), entry: (index) => raft.entry(index) };
  }

  on<Name extends keyof RaftNodeEvents>(event: Name, listener: (payload: RaftNodeEvents[Name]) => void): () => void {
    return this.listeners.on(event, listener);
  }

  stop(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      return Promise.resolve();
    }
    return this.shutDown();
  }

  // ------------------------------------------------------------------------------------------
  // Inputs and the effect loop
  // ------------------------------------------------------------------------------------------

  private get active(): boolean {
    return this.state === 'starting' || this.state === 'running';
  }

  /** input feeds the core one input and carries out what follows; a throw is fatal. */
  private input(step: () => void): void {
    if (!this.active || this.raft === undefined) return;
    try {
      step();
      this.drain();
    } catch (error) {
      this.fail(error);
    }
  }

  /** drain carries out effects until the core has none left. Nested calls return at once. */
  private drain(): void {
    const raft = this.raft;
    if (this.draining || raft === undefined) return;
    this.draining = true;
    try {
      while (this.active && raft.hasEffects()) {
        for (const effect of raft.takeEffects()) {
          if (!this.active) break;
          this.carryOut(effect);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private carryOut(effect: Effect): void {
    switch (effect.type) {
      case 'persist':
        this.enqueueWrite({ kind: 'persist', persist: effect });
        return;
      case 'send':
        // A round sent while lease reads are barred (a transfer runs, this term's entry is not
        // committed yet) starts no lease: a transfer target may win while the round is answered.
        if (effect.message.type === 'heartbeat' && this.lease !== undefined && this.raft!.localReadIndex() !== undefined) this.lease.heartbeatSent(effect.message.round);
        if (effect.afterPersist === undefined || effect.afterPersist <= this.durableSeq) this.transport.send(effect.to, effect.message);
        else this.heldSends.push(effect);
        return;
      case 'apply':
      case 'restoreSnapshot':
        this.stateMachineWork.push(effect);
        this.runStateMachineWork();
        return;
      case 'roleChanged':
        this.proposals.leadershipChanged(effect.role, effect.term);
        this.lease?.revoke();
        if (effect.role !== 'leader') this.snapshotSender.cancelAll();
        this.listeners.emit('roleChanged', { role: effect.role, term: effect.term, leader: effect.leader });
        return;
      case 'proposalDropped':
        // Answered from proposeBatch's results in flushProposals, which carry the same reason.
        return;
      case 'sendSnapshot':
        this.sendSnapshot(effect.to);
        return;
      case 'compact':
        this.enqueueWrite({ kind: 'other', what: `compacting to ${effect.upTo}`, run: () => this.storage.compact(effect.upTo), done: () => {} });
        return;
      case 'readReady':
        this.reads.ready(effect.context, effect.index, this.appliedIndex);
        return;
      case 'readFailed':
        this.reads.fail(effect.context, new NotLeaderError(effect.leaderHint));
        return;
      case 'leaderConfirmed':
        this.lease?.confirmed(effect.round);
        return;
    }
  }

  private scheduleTick(): void {
    this.cancelTick = this.clock.setTimeout(() => {
      this.cancelTick = undefined;
      if (this.state !== 'running') return;
      this.input(() => this.unlessInstalling(() => this.raft!.tick()));
      this.notifyAppliedWatchers();
      if (this.state === 'running') this.scheduleTick();
    }, this.tickMs);
  }

  // ------------------------------------------------------------------------------------------
  // Proposals
  // ------------------------------------------------------------------------------------------

  private flushProposals(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    if (this.state !== 'running' || this.raft === undefined) {
      for (const proposal of batch) proposal.reject(new NodeStoppedError());
      return;
    }
    let results;
    try {
      results = this.raft.proposeBatch(batch.map((proposal) => proposal.data));
    } catch (error) {
      for (const proposal of batch) proposal.reject(error);
      this.fail(error);
      return;
    }
    results.forEach((result, position) => {
      const proposal = batch[position]!;
      if (result.ok) this.proposals.track(result.index, result.term, proposal);
      else if (result.reason === 'not-leader') proposal.reject(new NotLeaderError(result.leaderHint));
      else proposal.reject(new ProposalDroppedError(result.reason, result.leaderHint));
    });
    this.input(() => {});
  }

  // ------------------------------------------------------------------------------------------
  // Persistence
  // ------------------------------------------------------------------------------------------

  private enqueueWrite(write: StorageWrite): void {
    this.writeQueue.push(write);
    this.writeNext();
  }

  /**
   * writeNext hands the oldest queued write (a persist, a snapshot save, a compaction) to storage
   * unless one is running. One write at a time keeps completions in call order whatever the
   * storage does, and a received snapshot can never overtake an earlier truncating append.
   */
  private writeNext(): void {
    if (this.persisting !== undefined || !this.active) return;
    const write = this.writeQueue.shift();
    if (write === undefined) return;
    let run: () => Promise<void>;
    let done: () => void;
    let what: string;
    if (write.kind === 'persist') {
      const persist = this.mergeQueuedPersists(write.persist);
      const options = persist.truncateFrom !== undefined ? { truncateFrom: persist.truncateFrom, hardState: persist.hardState } : { hardState: persist.hardState };
      run = () => this.storage.append(persist.entries, options);
      done = () => {
        this.durableSeq = persist.seq;
        this.raft!.persisted(persist.seq);
        this.releaseHeldSends();
      };
      what = `storage append of persist ${persist.seq}`;
    } else {
      ({ run, done, what } = write);
    }
    this.persisting = run().then(
      () => {
        this.persisting = undefined;
        this.input(done);
        this.writeNext();
      },
      (error: unknown) => {
        this.persisting = undefined;
        this.fail(new Error(`${what} failed`, { cause: error }));
      },
    );
  }

  /**
   * mergeQueuedPersists folds the persists queued behind `first` into one write (group commit):
   * while one write runs, later persists pile up, and the next write makes all of them durable
   * with one fsync. The last hard state wins, and the acknowledgement of the last seq
   * acknowledges every earlier one. A truncating persist starts a write of its own: an append
   * acknowledgement held for an earlier persist names entries the truncation deletes, and it must
   * go out while they are on disk, not after one transaction stored both.
   */
  private mergeQueuedPersists(first: PersistEffect): PersistEffect {
    const mergeable = (): boolean => this.writeQueue[0]?.kind === 'persist' && this.writeQueue[0].persist.truncateFrom === undefined;
    if (!mergeable()) return first;
    const entries = [...first.entries];
    let last = first;
    while (mergeable()) {
      const next = (this.writeQueue.shift() as { kind: 'persist'; persist: PersistEffect }).persist;
      for (const entry of next.entries) entries.push(entry);
      last = next;
    }
    const truncateFrom = first.truncateFrom;
    return { type: 'persist', seq: last.seq, hardState: last.hardState, entries, ...(truncateFrom !== undefined ? { truncateFrom } : {}) };
  }

  /** releaseHeldSends sends, in order, every held message whose persist is now durable. */
  private releaseHeldSends(): void {
    if (this.heldSends.length === 0) return;
    const still: SendEffect[] = [];
    const ready: SendEffect[] = [];
    for (const send of this.heldSends) (send.afterPersist! <= this.durableSeq ? ready : still).push(send);
    this.heldSends = still;
    for (const send of ready) this.transport.send(send.to, send.message);
  }

  // ------------------------------------------------------------------------------------------
  // State machine
  // ------------------------------------------------------------------------------------------

  /** runStateMachineWork applies and restores in effect order, pausing while a restore runs. */
  private runStateMachineWork(): void {
    while (this.restoring === undefined && this.active) {
      const work = this.stateMachineWork.shift();
      if (work === undefined) return;
      if (work.type === 'apply') this.applyEntries(work.entries);
      else this.restoreSnapshot(work.meta);
    }
  }

  private applyEntries(entries: readonly Entry[]): void {
    const last = entries.at(-1);
    if (last === undefined) return;
    for (const entry of entries) {
      let outcome: ApplyOutcome<Result> | undefined;
      // Configuration entries and the leader's empty no-op are the core's business.
      if (entry.type === 'normal' && entry.data.byteLength > 0) {
        try {
          outcome = { ok: true, value: this.stateMachine.apply(this.codec.decode(entry.data), { index: entry.index, term: entry.term }) };
        } catch (error) {
          // The entry is committed: it cannot be skipped or retried. A deterministic state
          // machine throws on every node alike, so the error is this command's answer.
          outcome = { ok: false, error };
        }
      }
      this.appliedIndex = entry.index;
      this.proposals.applied(entry, outcome);
    }
    this.raft!.applied(last.index);
    this.reads.applied(this.appliedIndex);
    this.notifyAppliedWatchers();
    this.maybeSnapshot();
  }

  /** restoreSnapshot replaces the state machine with the stored snapshot `meta` describes. */
  private restoreSnapshot(meta: SnapshotMeta): void {
    const restoring = (async () => {
      const stored = await this.storage.readSnapshot();
      if (stored === undefined || stored.meta.index !== meta.index || stored.meta.term !== meta.term) {
        throw new Error(`storage holds no snapshot at index ${meta.index} term ${meta.term} to restore`);
      }
      await this.stateMachine.restore(stored.chunks);
    })();
    this.restoring = restoring.then(
      () => {
        this.restoring = undefined;
        this.appliedIndex = meta.index;
        this.proposals.coveredBy(meta.index);
        this.reads.applied(this.appliedIndex);
        this.input(() => this.runStateMachineWork());
      },
      (error: unknown) => {
        this.restoring = undefined;
        this.fail(new Error(`restoring snapshot ${meta.index} failed`, { cause: error }));
      },
    );
  }

  // ------------------------------------------------------------------------------------------
  // Failure and shutdown
  // ------------------------------------------------------------------------------------------

  /** fail reports a fatal error and stops the node: it can no longer keep Raft's promises. */
  private fail(error: unknown): void {
    if (!this.active) return;
    this.failure = error;
    if (this.listeners.count('error') > 0) this.listeners.emit('error', error);
    else {
      // Like an EventEmitter without an 'error' listener: a node that silently died would be
      // worse than an uncaught error the host reports.
      queueMicrotask(() => {
        throw error;
      });
    }
    // The failure itself was reported; a close error on the way down would add nothing.
    this.shutDown().catch(() => {});
  }

  /** shutDown runs once; every later call returns the same promise. */
  private shutDown(): Promise<void> {
    this.stopped ??= this.closeEverything();
    return this.stopped;
  }

  private async closeEverything(): Promise<void> {
    this.state = 'stopping';
    this.cancelTick?.();
    this.cancelTick = undefined;
    for (const proposal of this.batch) proposal.reject(new NodeStoppedError());
    this.batch = [];
    this.proposals.abandonAll('the node stopped');
    this.reads.failAll(() => new NodeStoppedError());
    this.snapshotSender.cancelAll();
    this.notifyAppliedWatchers();
    // Nothing that depends on these persists has left the node, so dropping them is like a crash.
    this.writeQueue.length = 0;
    this.heldSends = [];
    this.stateMachineWork.length = 0;
    // Let the write and restore in progress finish before closing what they use.
    await Promise.allSettled([this.persisting, this.ownSave, this.restoring]);
    // Close both even if one fails, then report the first failure.
    const closed = [await Promise.allSettled([this.transport.close()]), await Promise.allSettled([this.storage.close()])].flat();
    this.state = 'stopped';
    const failed = closed.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
}
