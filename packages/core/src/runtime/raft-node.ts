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
import type {
  ApplyEffect,
  Effect,
  Entry,
  MembershipConfig,
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
import { NodeStoppedError, NotLeaderError, ProposalDroppedError } from './errors.js';
import { Listeners } from './events.js';
import type { Clock, Codec, StateMachine, Transport } from './interfaces.js';
import { PendingProposals, type ApplyOutcome, type Waiter } from './pending-proposals.js';

/** RaftNodeConfig is the core's config plus the runtime's tick length. */
export interface RaftNodeConfig extends RaftConfig {
  /** Milliseconds per logical tick; at least 1 (TICK_TOO_SMALL). Default 100. */
  readonly tickMs?: number;
}

/** Options for `createRaftNode`. */
export interface RaftNodeOptions<Command, Query, Result> {
  readonly config: RaftNodeConfig;
  readonly storage: Storage;
  readonly transport: Transport;
  readonly stateMachine: StateMachine<Command, Query, Result>;
  /** Default: the host's timers (`createRealClock()`). */
  readonly clock?: Clock;
  /** Turns commands into entry bytes. Default: JSON over UTF-8. */
  readonly codec?: Codec<Command>;
  /** Membership to bootstrap a new cluster with; ignored when storage holds state. */
  readonly bootstrap?: MembershipConfig;
  /** A proposal not answered within this many ms rejects with TimeoutError. Default 5000. */
  readonly proposalTimeoutMs?: number;
}

/** RaftNodeStatus is the core's status plus what the state machine has applied. */
export interface RaftNodeStatus extends RaftStatus {
  /** Last index the state machine has applied (or restored from a snapshot). */
  readonly appliedIndex: number;
}

/** RoleChangedEvent reports every role, term or known-leader change. */
export interface RoleChangedEvent {
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId | null;
}

/** RaftNodeEvents maps each event name to its payload. */
export interface RaftNodeEvents {
  roleChanged: RoleChangedEvent;
  /**
   * A fatal failure (a storage write failed, the core detected a safety violation); the node
   * stops. Without a listener the error is thrown as uncaught, as EventEmitter does.
   */
  error: unknown;
}

/** RaftNode is one running member of a cluster. */
export interface RaftNode<Command, Query, Result> {
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
   * query asks the local state machine. It is a LOCAL read: it may miss writes acknowledged
   * elsewhere (ReadIndex arrives in a later issue).
   */
  query(query: Query): Result;
  /** status describes this node; throws NodeStoppedError before start(). */
  status(): RaftNodeStatus;
  /** on adds a listener; the returned function removes it. */
  on<Name extends keyof RaftNodeEvents>(event: Name, listener: (payload: RaftNodeEvents[Name]) => void): () => void;
  /** stop stops ticking, rejects waiting proposals, and closes the transport and storage. */
  stop(): Promise<void>;
}

const DEFAULT_TICK_MS = 100;
const DEFAULT_PROPOSAL_TIMEOUT_MS = 5000;

/** createRaftNode validates the configuration (throwing ConfigError) and returns a stopped node. */
export function createRaftNode<Command, Query, Result>(options: RaftNodeOptions<Command, Query, Result>): RaftNode<Command, Query, Result> {
  return new RaftNodeRuntime(options);
}

type NodeState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** A command waiting for this event-loop turn's `proposeBatch`. */
interface BatchedProposal<Result> extends Waiter<Result> {
  readonly data: Uint8Array;
}

class RaftNodeRuntime<Command, Query, Result> implements RaftNode<Command, Query, Result> {
  readonly id: NodeId;
  private readonly options: RaftNodeOptions<Command, Query, Result>;
  private readonly tickMs: number;
  private readonly clock: Clock;
  private readonly codec: Codec<Command>;
  private readonly storage: Storage;
  private readonly transport: Transport;
  private readonly stateMachine: StateMachine<Command, Query, Result>;
  private readonly listeners = new Listeners<RaftNodeEvents>();
  private readonly proposals: PendingProposals<Result>;

  private state: NodeState = 'new';
  private raft: Raft | undefined;
  private cancelTick: (() => void) | undefined;
  private draining = false;
  /** Settles when shutdown has finished. */
  private stopped: Promise<void> | undefined;
  /** The fatal error that stopped the node, if one did. */
  private failure: unknown;

  private batch: BatchedProposal<Result>[] = [];

  /** Persists not yet handed to storage, in seq order. */
  private readonly persistQueue: PersistEffect[] = [];
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

  constructor(options: RaftNodeOptions<Command, Query, Result>) {
    const tickMs = options.config.tickMs ?? DEFAULT_TICK_MS;
    if (!Number.isFinite(tickMs) || tickMs < 1) {
      throw new ConfigError('TICK_TOO_SMALL', `tickMs must be at least 1 ms, got ${String(tickMs)}`);
    }
    const proposalTimeoutMs = options.proposalTimeoutMs ?? DEFAULT_PROPOSAL_TIMEOUT_MS;
    if (!Number.isFinite(proposalTimeoutMs) || proposalTimeoutMs <= 0) {
      throw new ConfigError('INVALID_LIMIT', `proposalTimeoutMs must be a positive number of ms, got ${String(proposalTimeoutMs)}`);
    }
    // Validate the core's part now, so a bad config fails at construction, not at start().
    resolveRaftConfig(options.config);
    this.options = options;
    this.id = options.config.id;
    this.tickMs = tickMs;
    this.clock = options.clock ?? createRealClock();
    this.codec = options.codec ?? createJsonCodec<Command>();
    this.storage = options.storage;
    this.transport = options.transport;
    this.stateMachine = options.stateMachine;
    this.proposals = new PendingProposals<Result>(this.clock, proposalTimeoutMs);
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
        config: this.options.config,
        initial: loaded,
        ...(this.options.bootstrap !== undefined ? { bootstrap: this.options.bootstrap } : {}),
      });
      this.appliedIndex = loaded.snapshot?.index ?? 0;
      // The first drain restores the snapshot (if any) and replays (snapshot, commit] (DESIGN.md
      // "Restart"); wait for that before taking part in the cluster.
      this.drain();
      while (this.restoring !== undefined) await this.restoring;
      this.assertStarting();
      await this.transport.start((_from, message) => this.input(() => this.raft!.receive(message)));
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
      if (this.batch.length === 1) queueMicrotask(() => this.flushProposals());
    });
  }

  query(query: Query): Result {
    return this.stateMachine.query(query);
  }

  status(): RaftNodeStatus {
    if (this.raft === undefined) throw new NodeStoppedError('the node has not been started');
    return { ...this.raft.status(), appliedIndex: this.appliedIndex };
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
        this.persistQueue.push(effect);
        this.writeNextPersist();
        return;
      case 'send':
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
        this.listeners.emit('roleChanged', { role: effect.role, term: effect.term, leader: effect.leader });
        return;
      case 'proposalDropped':
        // Answered from proposeBatch's results in flushProposals, which carry the same reason.
        return;
      case 'sendSnapshot':
      case 'compact':
      case 'readReady':
        // Snapshot streaming, log compaction and ReadIndex come in a later issue. Ignoring them is
        // safe: without compaction the core never needs a snapshot sent (a follower behind it is
        // only not caught up), nothing is deleted, and no read waits on readReady yet.
        return;
    }
  }

  private scheduleTick(): void {
    this.cancelTick = this.clock.setTimeout(() => {
      this.cancelTick = undefined;
      if (this.state !== 'running') return;
      this.input(() => this.raft!.tick());
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

  /**
   * writeNextPersist hands the oldest queued persist to storage unless a write is running. One
   * write at a time keeps completions in seq order whatever the storage does.
   */
  private writeNextPersist(): void {
    if (this.persisting !== undefined || !this.active) return;
    const persist = this.persistQueue.shift();
    if (persist === undefined) return;
    const options = persist.truncateFrom !== undefined ? { truncateFrom: persist.truncateFrom, hardState: persist.hardState } : { hardState: persist.hardState };
    this.persisting = this.storage.append(persist.entries, options).then(
      () => {
        this.persisting = undefined;
        this.input(() => {
          this.durableSeq = persist.seq;
          this.raft!.persisted(persist.seq);
          this.releaseHeldSends();
        });
        this.writeNextPersist();
      },
      (error: unknown) => {
        this.persisting = undefined;
        this.fail(new Error(`storage append of persist ${persist.seq} failed`, { cause: error }));
      },
    );
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
    // Nothing that depends on these persists has left the node, so dropping them is like a crash.
    this.persistQueue.length = 0;
    this.heldSends = [];
    this.stateMachineWork.length = 0;
    // Let the write and restore in progress finish before closing what they use.
    await Promise.allSettled([this.persisting, this.restoring]);
    // Close both even if one fails, then report the first failure.
    const closed = [await Promise.allSettled([this.transport.close()]), await Promise.allSettled([this.storage.close()])].flat();
    this.state = 'stopped';
    const failed = closed.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
}
