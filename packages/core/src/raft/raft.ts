/**
 * The Raft protocol as a pure, deterministic state machine.
 *
 *   inputs                          Raft                          effects (takeEffects)
 *   ─────────────────────────►  ┌──────────────┐  ─────────────────────────────────────────►
 *   receive(message)            │ role: tick + │  persist {seq}   → Storage.append, then persisted(seq)
 *   tick()                      │ step handlers│  send {afterPersist?} → Transport.send (after the seq)
 *   propose(data)               │ RaftLog      │  apply           → StateMachine.apply, then applied(i)
 *   persisted(seq), applied(i)  │ Progress × n │  roleChanged, proposalDropped, sendSnapshot, ...
 *                               └──────────────┘
 *
 * The core never reads a clock, the disk or the network, and draws randomness only from the
 * injected `random`: the same inputs give the same effects, byte for byte. Each role is a pair of
 * handlers (`tickRole`, `stepRole`) that `becomeFollower / becomePreCandidate / becomeCandidate /
 * becomeLeader` swap, as in etcd-raft, so one role's logic lives in one method.
 *
 * Durability (docs/architecture.md "Acks"): every change of term, vote or log becomes part of
 * one open `persist` effect with a `seq`. A message that depends on that state names the seq in
 * `afterPersist`, and the driver sends it only after `persisted(seq)`. The leader sends its own
 * new entries to followers while its disk write runs and counts itself only after its ack.
 */
import { resolveRaftConfig, type RaftConfig, type ResolvedRaftConfig } from './config.js';
import { RaftLog } from './log.js';
import { decodeConfig, EMPTY_CONFIG, encodeConfig, isJoint, isVoter, members, validateMembership } from './membership.js';
import { planMembershipChange } from './membership-change.js';
import { Progress } from './progress.js';
import { committedIndex, hasQuorum, voteOutcome } from './quorum.js';
import { ReadOnly, type PendingRead } from './read-only.js';
import type {
  AppendEntriesMessage,
  AppendEntriesResponseMessage,
  DropReason,
  Effect,
  Entry,
  EntryType,
  HardState,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  InitialState,
  InstallSnapshotMessage,
  MembershipConfig,
  MembershipChange,
  Message,
  NodeId,
  PeerStatus,
  ProposeResult,
  RaftStatus,
  ReadIndexRequestMessage,
  RefusalReason,
  RequestResult,
  RequestVoteMessage,
  RequestVoteResponseMessage,
  Role,
  SnapshotMeta,
} from './types.js';

/** Options for `createRaft`. */
export interface RaftOptions {
  readonly config: RaftConfig;
  /** What storage loaded. Omit for a new, empty node. */
  readonly initial?: InitialState;
  /**
   * Bootstrap a new cluster with this membership. Used only when `initial` is empty; a node
   * whose storage holds state ignores it. The node MUST be one of the voters (MISSING_SELF).
   */
  readonly bootstrap?: MembershipConfig;
}

/**
 * The persist being built during the current batch of inputs. It is the very effect object
 * already in `effects` (at `openPersistPosition`): sealPersist() fills in its hard state, so a
 * persist costs one object, not a placeholder and its replacement.
 */
interface OpenPersist {
  readonly type: 'persist';
  readonly seq: number;
  hardState: HardState;
  entries: Entry[];
}

const NO_DATA = new Uint8Array(0);
/** The hard state of an open persist until sealPersist() fills in the real one, before anyone sees the effect. */
const PLACEHOLDER_HARD_STATE: HardState = Object.freeze({ term: 0, vote: null, commit: 0 });

/** createRaft validates the configuration and returns a node's protocol core. */
export function createRaft(options: RaftOptions): Raft {
  return new Raft(options);
}

/** Raft is one node's protocol state. Drive it with the input methods; drain `takeEffects()`. */
export class Raft {
  readonly id: NodeId;
  private readonly cfg: ResolvedRaftConfig;
  private readonly log: RaftLog;

  private term = 0;
  private vote: NodeId | null = null;
  private leader: NodeId | null = null;
  private role: Role = 'follower';
  private config: MembershipConfig = EMPTY_CONFIG;
  /** Config entries in the log after the snapshot, oldest first, to revert on truncation. */
  private configEntries: { index: number; config: MembershipConfig }[] = [];
  /** The configuration as of the log's first index - 1 (the compaction point). */
  private baseConfig: MembershipConfig;
  /** The latest snapshot: what a follower behind the compaction point is sent. */
  private snapshotMeta: SnapshotMeta;
  /** The target of a leadership transfer in progress (thesis §3.10). */
  private transferee: NodeId | null = null;
  /**
   * Set once this node sent TimeoutNow in the current term. A TimeoutNow stays valid for the
   * whole term however late the network delivers it (the target then campaigns past the voters'
   * lease), so a leader that sent one grants itself no lease read for the rest of the term.
   */
  private timeoutNowSent = false;
  /** Contexts of reads this follower forwarded to its leader and not yet answered. */
  private readonly forwardedReads = new Set<string>();
  private readonly readOnly = new ReadOnly();
  /** Reads that arrived before the leader committed an entry of its term (§6.4 step 1). */
  private readsAwaitingTermCommit: PendingRead[] = [];

  private readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();
  private electionElapsed = 0;
  /** Ticks since this node started, counted up to electionTicks (the lease-read start guard). */
  private startupTicks = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private uncommittedBytes = 0;

  private appliedIndex: number;
  /** Entries up to here were handed out in `apply` effects. */
  private applyEmitted: number;

  private effects: Effect[] = [];
  private nextSeq = 1;
  private openPersist: OpenPersist | undefined;
  /** Where the open persist sits in `effects`. */
  private openPersistPosition = 0;
  /** The open persist deletes the log from here first (a truncation or a restored snapshot). */
  private openTruncateFrom: number | undefined;
  /**
   * Sealed persists not yet acknowledged, oldest first: their seqs, and the last log index each
   * makes durable (two parallel arrays: no object per persist).
   */
  private readonly pendingSeqs: number[] = [];
  private readonly pendingLastIndexes: number[] = [];
  /** Highest seq acknowledged by `persisted`. */
  private durableSeq = 0;
  /** Seq of the last persist that changed term or vote. */
  private hardStateSeq = 0;
  private lastRoleReported: { role: Role; term: number; leader: NodeId | null } | undefined;

  private tickRole: () => void = () => this.tickElection();
  private stepRole: (message: Message) => void = (message) => this.stepFollower(message);

  constructor(options: RaftOptions) {
    this.cfg = resolveRaftConfig(options.config);
    this.id = this.cfg.id;
    const initial = options.initial ?? { hardState: { term: 0, vote: null, commit: 0 }, entries: [] };
    this.snapshotMeta = initial.snapshot ?? { index: 0, term: 0, config: EMPTY_CONFIG };
    this.log = new RaftLog(initial.snapshot, initial.entries, initial.hardState.commit);
    this.term = initial.hardState.term;
    this.vote = initial.hardState.vote;
    this.config = this.snapshotMeta.config;
    this.baseConfig = this.snapshotMeta.config;
    this.appliedIndex = this.log.snapshotIndex;
    this.applyEmitted = this.log.snapshotIndex;
    for (const entry of initial.entries) if (entry.index > this.log.snapshotIndex) this.noteConfigEntry(entry);

    const empty = initial.snapshot === undefined && initial.entries.length === 0 && initial.hardState.term === 0;
    if (options.bootstrap !== undefined && empty) {
      validateMembership(options.bootstrap, this.id);
      // Every bootstrapping member writes the same first entry (index 1, term 1), so their logs
      // agree from the start and the configuration is committed everywhere (as etcd-raft does).
      this.becomeFollower(1, null);
      this.storeEntries([{ index: 1, term: 1, type: 'config', data: encodeConfig(options.bootstrap) }]);
      this.log.committed = 1;
    } else {
      validateMembership(this.config);
      this.becomeFollower(this.term, null);
    }
    // Restart rule: the snapshot is restored and (snapshot, commit] applied again, in order.
    if (initial.snapshot !== undefined && initial.snapshot.index > 0) {
      this.effects.push({ type: 'restoreSnapshot', meta: initial.snapshot });
    }
  }

  // ------------------------------------------------------------------------------------------
  // Inputs
  // ------------------------------------------------------------------------------------------

  /** tick advances logical time by one tick: election timeouts, heartbeats, check-quorum. */
  tick(): void {
    if (this.startupTicks < this.cfg.electionTicks) this.startupTicks++;
    this.tickRole();
  }

  /** campaign starts an election now, as if the election timeout had passed. */
  campaign(): void {
    this.hup(false);
  }

  /** receive steps one message from a peer. Messages from unknown or stale senders are ignored. */
  receive(message: Message): void {
    if (message.to !== this.id) return;
    if (message.term > this.term) {
      if (message.type === 'requestVote') {
        // Check-quorum gives followers a lease: while they hear from a leader they ignore
        // campaigns, so a partitioned node cannot disrupt a healthy leader (thesis §4.2.3).
        const startGuard = this.cfg.leaseReads && this.startupTicks < this.cfg.electionTicks;
        const inLease = this.cfg.checkQuorum && (this.leader !== null || startGuard) && this.electionElapsed < this.cfg.electionTicks;
        if (inLease && message.transfer !== true) return;
      }
      if (message.type === 'requestVote' && message.preVote) {
        // A pre-vote never changes anyone's term (thesis §9.6).
      } else if (message.type === 'requestVoteResponse' && message.preVote && message.granted) {
        // Our term is bumped when the pre-vote wins.
      } else {
        const fromLeader = message.type === 'appendEntries' || message.type === 'heartbeat' || message.type === 'installSnapshot';
        this.becomeFollower(message.term, fromLeader ? message.from : null);
      }
    } else if (message.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (message.type === 'appendEntries' || message.type === 'heartbeat')) {
        // A stale leader must learn the newer term, or, with pre-vote or the lease keeping us
        // from disrupting it, it would believe it leads forever.
        this.send(message.from, this.rejectAppend(message.from, 0, { index: 0, term: 0 }));
      } else if (message.type === 'requestVote' && message.preVote) {
        this.send(message.from, { type: 'requestVoteResponse', from: this.id, to: message.from, term: this.term, preVote: true, granted: false });
      }
      return;
    }
    if (message.type === 'requestVote') {
      this.handleVoteRequest(message);
      return;
    }
    this.stepRole(message);
  }

  /** propose appends one command on the leader; elsewhere it is dropped with a leader hint. */
  propose(data: Uint8Array): ProposeResult {
    if (this.role !== 'leader' || this.transferee !== null) return this.proposeBatch([data])[0]!;
    // The one-entry path of proposeBatch, without its arrays: this runs once per unbatched write.
    const limit = this.cfg.maxUncommittedBytes;
    if (limit > 0 && this.uncommittedBytes > 0 && this.uncommittedBytes + data.byteLength > limit) return this.dropProposal('uncommitted-limit');
    const index = this.log.lastIndex() + 1;
    this.uncommittedBytes += data.byteLength;
    this.storeEntries([{ index, term: this.term, type: 'normal', data }]);
    this.broadcastAppend();
    return { ok: true, index, term: this.term };
  }

  /**
   * proposeBatch appends several commands with one persist and one round of AppendEntries. Each
   * gets its own result: once the uncommitted-bytes limit is reached the rest are dropped.
   */
  proposeBatch(batch: readonly Uint8Array[]): ProposeResult[] {
    if (this.role !== 'leader') return batch.map(() => this.dropProposal('not-leader'));
    // Proposals pause while leadership is handed over, so the target can catch up (§3.10).
    if (this.transferee !== null) return batch.map(() => this.dropProposal('transfer-in-progress'));
    const results: ProposeResult[] = [];
    const accepted: Entry[] = [];
    const limit = this.cfg.maxUncommittedBytes;
    const term = this.term;
    let index = this.log.lastIndex();
    let bytes = this.uncommittedBytes;
    for (const data of batch) {
      // An empty pipeline always takes one entry, however large, so progress is never blocked.
      if (limit > 0 && bytes > 0 && bytes + data.byteLength > limit) {
        results.push(this.dropProposal('uncommitted-limit'));
        continue;
      }
      bytes += data.byteLength;
      accepted.push({ index: ++index, term, type: 'normal', data });
      results.push({ ok: true, index, term });
    }
    if (accepted.length > 0) {
      this.uncommittedBytes = bytes;
      this.storeEntries(accepted);
      this.broadcastAppend();
    }
    return results;
  }

  /**
   * changeMembership appends the configuration entry for `change` (thesis §4). It is refused with
   * a typed reason, and certainly not appended, when this node does not lead, has not committed
   * an entry of its term yet, another change is pending (or a joint configuration not yet left),
   * or the new voters' responsive members would not form a quorum.
   */
  changeMembership(change: MembershipChange): RequestResult {
    const refused = this.leaderRefusal();
    if (refused !== undefined) return refused;
    const lastConfigIndex = this.configEntries.at(-1)?.index ?? 0;
    if (lastConfigIndex > this.log.committed || isJoint(this.config)) return this.refuse('uncommitted-membership-change');
    const plan = planMembershipChange(this.config, change);
    if (!plan.ok) return this.refuse(plan.reason);
    const responsive = (id: NodeId) => id === this.id || (this.progress.get(id)?.ticksSinceHeard ?? Infinity) < this.cfg.electionTicks;
    if (change.type !== 'addLearner' && !hasQuorum({ ...plan.config, outgoingVoters: [] }, responsive)) return this.refuse('will-break-quorum');
    this.appendAsLeader([{ type: 'config', data: encodeConfig(plan.config) }]);
    this.broadcastAppend();
    return { ok: true, index: this.log.lastIndex() };
  }

  /**
   * transferLeadership hands leadership to `to`, or to the most up-to-date voter when omitted
   * (thesis §3.10): the leader stops taking proposals, brings the target's log up to date, then
   * sends it TimeoutNow. The transfer is abandoned after an election timeout.
   */
  transferLeadership(to?: NodeId): RequestResult {
    if (this.role !== 'leader') return this.refuse('not-leader');
    const target = to ?? this.mostUpToDateVoter();
    if (target === this.id) {
      // Thesis §3.10: a transfer back to the leader cancels the one in progress, and the leader
      // takes requests again (etcd-raft's TestLeaderTransferBack).
      if (this.transferee !== null) this.endTransfer();
      return { ok: true };
    }
    if (this.transferee !== null) return this.transferee === target ? { ok: true } : this.refuse('transfer-in-progress');
    const pr = target === undefined ? undefined : this.progress.get(target);
    if (target === undefined || pr === undefined || !isVoter(this.config, target)) return this.refuse('not-member');
    if (pr.ticksSinceHeard >= this.cfg.electionTicks) return this.refuse('target-unresponsive');
    this.transferee = target;
    this.electionElapsed = 0;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(target);
    else this.sendAppend(target, pr, true);
    return { ok: true };
  }

  /**
   * readIndex asks for a linearizable read point (thesis §6.4). On the leader the read joins the
   * next heartbeat round; once a quorum acknowledges it a `readReady` effect gives the commit
   * index the read must wait to be applied. A follower forwards the request to its leader.
   */
  readIndex(context: string): RequestResult {
    if (this.role === 'leader') {
      this.addLeaderRead({ context, from: this.id, index: this.log.committed });
      return { ok: true };
    }
    if (this.leader === null) return this.refuse('not-leader');
    const request: ReadIndexRequestMessage = { type: 'readIndex', from: this.id, to: this.leader, term: this.term, context };
    this.forwardedReads.add(context);
    this.send(this.leader, request);
    return { ok: true };
  }

  /**
   * snapshotMetaAt describes a snapshot of the state machine at `index` (applied here): its term
   * and the configuration in force at that index, which the snapshot MUST carry.
   */
  snapshotMetaAt(index: number): SnapshotMeta {
    if (index > this.appliedIndex || index < this.log.snapshotIndex) {
      throw new Error(`snapshotMetaAt(${index}): outside the applied log (${this.log.snapshotIndex}..${this.appliedIndex})`);
    }
    return { index, term: this.log.term(index)!, config: this.configAt(index) };
  }

  /**
   * snapshotTaken reports a snapshot durably stored. The log is compacted up to `meta.index -
   * trailing` (a `compact` effect): the trailing entries let slightly slow followers catch up
   * without a snapshot.
   */
  snapshotTaken(meta: SnapshotMeta, trailing = 0): void {
    if (meta.index <= this.snapshotMeta.index) return;
    this.snapshotMeta = meta;
    const upTo = Math.min(meta.index - Math.max(0, trailing), this.log.persistedIndex);
    if (upTo <= this.log.snapshotIndex) return;
    this.baseConfig = this.configAt(upTo);
    this.configEntries = this.configEntries.filter((item) => item.index > upTo);
    this.log.compactTo(upTo, this.log.term(upTo)!);
    this.effects.push({ type: 'compact', upTo });
  }

  /**
   * snapshotSent reports how streaming a snapshot to `to` ended. On failure the follower goes
   * back to probing after its next heartbeat answer, so a broken transfer restarts cleanly
   * instead of looping.
   */
  snapshotSent(to: NodeId, ok: boolean): void {
    const pr = this.progress.get(to);
    if (this.role !== 'leader' || pr === undefined || pr.state !== 'snapshot' || ok) return;
    pr.becomeProbe();
    pr.probeSent = true;
  }

  /** persisted reports that the persist with this seq (and every earlier one) is durable. */
  persisted(seq: number): void {
    if (seq <= this.durableSeq) return;
    if (seq >= this.nextSeq || (this.openPersist !== undefined && seq >= this.openPersist.seq)) {
      throw new Error(`persisted(${seq}) acknowledges a persist that was never handed out`);
    }
    this.durableSeq = seq;
    while (this.pendingSeqs.length > 0 && this.pendingSeqs[0]! <= seq) {
      this.pendingSeqs.shift();
      const lastIndex = this.pendingLastIndexes.shift()!;
      this.log.persistedIndex = Math.min(Math.max(this.log.persistedIndex, lastIndex), this.log.lastIndex());
    }
    if (this.role === 'leader' && this.maybeCommit()) this.broadcastAppend(true);
  }

  /** applied reports that the state machine has applied every entry up to `index`. */
  applied(index: number): void {
    if (index > this.applyEmitted) throw new Error(`applied(${index}) is past the last entry handed out (${this.applyEmitted})`);
    if (index > this.appliedIndex) this.appliedIndex = index;
  }

  /**
   * takeEffects returns the effects produced since the last call, in order, and seals the open
   * persist: entries and hard-state changes from later inputs go into a new seq.
   */
  takeEffects(): Effect[] {
    this.emitApply();
    this.sealPersist();
    const effects = this.effects;
    this.effects = [];
    return effects;
  }

  /** hasEffects reports whether takeEffects() would return anything. */
  hasEffects(): boolean {
    return this.effects.length > 0 || this.openPersist !== undefined || this.nextApplyIndex() > this.applyEmitted;
  }

  /**
   * localReadIndex is the index a lease read may be served at: the commit index, when this node
   * leads, has committed an entry of its term and is not handing leadership over; else undefined.
   * Whether the lease itself holds is the runtime's to judge, on its monotonic clock.
   */
  localReadIndex(): number | undefined {
    const barred = this.timeoutNowSent && this.cfg.injectedBugs.leaseAfterTimeoutNow !== true;
    if (this.role !== 'leader' || this.transferee !== null || barred) return undefined;
    if (this.log.term(this.log.committed) !== this.term) return undefined;
    return this.log.committed;
  }

  /** hardState is the term, vote and commit as they are in memory now. */
  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** status describes this node for operators and tests. */
  status(): RaftStatus {
    const progress: PeerStatus[] = [];
    if (this.role === 'leader') {
      for (const [id, pr] of this.progress) {
        progress.push({
          id,
          match: pr.match,
          next: pr.next,
          state: pr.state,
          learner: pr.learner,
          ticksSinceHeard: pr.ticksSinceHeard,
          inflightMessages: pr.inflights.count,
        });
      }
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.appliedIndex,
      lastIndex: this.log.lastIndex(),
      persistedIndex: this.log.persistedIndex,
      snapshotIndex: this.snapshotMeta.index,
      firstIndex: this.log.firstIndex(),
      transferee: this.transferee,
      config: this.config,
      configIndex: this.configEntries.at(-1)?.index ?? this.log.snapshotIndex,
      progress,
    };
  }

  /** entry returns the log entry at `index` if it is still in memory. */
  entry(index: number): Entry | undefined {
    return this.log.entry(index);
  }

  // ------------------------------------------------------------------------------------------
  // Role transitions
  // ------------------------------------------------------------------------------------------

  private becomeFollower(term: number, leader: NodeId | null): void {
    this.reset(term);
    this.leader = leader;
    this.role = 'follower';
    this.tickRole = () => this.tickElection();
    this.stepRole = (message) => this.stepFollower(message);
    this.reportRole();
  }

  private becomePreCandidate(): void {
    // A pre-candidate keeps its term and vote: nothing durable changes (thesis §9.6).
    this.votes.clear();
    this.progress.clear();
    this.leader = null;
    this.failForwardedReads();
    this.role = 'pre-candidate';
    this.tickRole = () => this.tickElection();
    this.stepRole = (message) => this.stepCandidate(message);
    this.reportRole();
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.markHardStateChanged();
    this.role = 'candidate';
    this.tickRole = () => this.tickElection();
    this.stepRole = (message) => this.stepCandidate(message);
    this.reportRole();
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.leader = this.id;
    this.role = 'leader';
    this.tickRole = () => this.tickHeartbeat();
    this.stepRole = (message) => this.stepLeader(message);
    for (const id of members(this.config)) this.addProgress(id);
    this.uncommittedBytes = 0;
    this.reportRole();
    // §8: a new leader commits an empty entry of its term at once, which also commits every
    // earlier entry it holds (only current-term entries are committed by counting, Figure 8).
    this.appendAsLeader([{ type: 'normal', data: NO_DATA }]);
    this.broadcastAppend();
  }

  private reset(term: number): void {
    this.transferee = null;
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
      this.timeoutNowSent = false;
      this.markHardStateChanged();
    }
    // After the term update: a refusal of the old term would be dropped by a follower that
    // already moved to the new one, leaving its forwarded read pending forever.
    if (this.role === 'leader') this.failLeaderReads();
    // Reads forwarded to the leader we are leaving: its answer (of an older term) would be
    // dropped, so the reader would wait out its whole timeout. Refuse them now; they may retry.
    this.failForwardedReads();
    this.leader = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + Math.floor(this.cfg.random() * this.cfg.electionTicks);
    this.votes.clear();
    this.progress.clear();
  }

  private reportRole(): void {
    const last = this.lastRoleReported;
    if (last !== undefined && last.role === this.role && last.term === this.term && last.leader === this.leader) return;
    this.lastRoleReported = { role: this.role, term: this.term, leader: this.leader };
    this.effects.push({ type: 'roleChanged', role: this.role, term: this.term, leader: this.leader });
  }

  private addProgress(id: NodeId): void {
    if (id === this.id || this.progress.has(id)) return;
    const learner = this.config.learners.includes(id) && !isVoter(this.config, id);
    this.progress.set(id, new Progress(this.log.lastIndex() + 1, this.cfg.maxInflightMessages, this.cfg.maxInflightBytes, learner));
  }

  /** promotable: only voters campaign; learners and non-members never do. */
  private promotable(): boolean {
    return isVoter(this.config, this.id);
  }

  // ------------------------------------------------------------------------------------------
  // Ticks
  // ------------------------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    for (const pr of this.progress.values()) pr.ticksSinceHeard++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      // A transfer that has not finished within an election timeout is abandoned (§3.10). Its
      // TimeoutNow may still arrive: timeoutNowSent keeps lease reads off for this term.
      const abandoned = this.transferee !== null;
      this.transferee = null;
      if (this.cfg.checkQuorum) {
        // Check-quorum (thesis §6.2): a leader that has not heard from a quorum within an
        // election timeout steps down, so a partitioned leader stops serving.
        const active = hasQuorum(this.config, (id) => id === this.id || this.progress.get(id)?.recentActive === true);
        for (const pr of this.progress.values()) pr.recentActive = false;
        if (!active) {
          this.becomeFollower(this.term, null);
          return;
        }
      }
      if (abandoned && this.maybeLeaveJoint()) this.broadcastAppend();
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Elections
  // ------------------------------------------------------------------------------------------

  private hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable()) return;
    if (this.cfg.preVote && !transfer) this.startCampaign(true, false);
    else this.startCampaign(false, transfer);
  }

  private startCampaign(preVote: boolean, transfer: boolean): void {
    if (preVote) this.becomePreCandidate();
    else this.becomeCandidate();
    const term = preVote ? this.term + 1 : this.term;
    this.votes.set(this.id, true);
    if (this.tallyVotes(preVote)) return;
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const id of new Set([...this.config.voters, ...this.config.outgoingVoters])) {
      if (id === this.id) continue;
      const request: RequestVoteMessage = {
        type: 'requestVote',
        from: this.id,
        to: id,
        term,
        preVote,
        lastLogIndex,
        lastLogTerm,
        ...(transfer ? { transfer: true } : {}),
      };
      this.send(id, request);
    }
  }

  /** tallyVotes moves on when the election is decided; returns true if it was. */
  private tallyVotes(preVote: boolean): boolean {
    const outcome = voteOutcome(this.config, this.votes);
    if (outcome === 'won') {
      if (preVote) this.startCampaign(false, false);
      else this.becomeLeader();
      return true;
    }
    if (outcome === 'lost') {
      this.becomeFollower(this.term, null);
      return true;
    }
    return false;
  }

  private handleVoteRequest(message: RequestVoteMessage): void {
    // §5.2 "each server will vote for at most one candidate in a given term, on a
    // first-come-first-served basis"; a pre-vote for a later term binds nothing.
    // Thesis §9.6: a pre-vote is granted only if "the voters have not received heartbeats from a
    // valid leader for at least a baseline election timeout". Without this, a node whose log is
    // up to date (an idle cluster) wins the pre-vote on rejoining and unseats a healthy leader
    // whenever check-quorum's lease is off. A leader is its own valid leader.
    const hearsLeader = this.leader !== null && this.electionElapsed < this.cfg.electionTicks;
    const canVote =
      this.vote === message.from ||
      (this.cfg.injectedBugs.voteTwiceInTerm === true && !message.preVote) ||
      (this.vote === null && this.leader === null) ||
      (message.preVote && message.term > this.term && !hearsLeader);
    // §5.4.1: grant only to a candidate whose log is at least as up-to-date as ours.
    if (canVote && this.log.isUpToDate(message.lastLogIndex, message.lastLogTerm)) {
      if (!message.preVote) {
        this.electionElapsed = 0;
        this.vote = message.from;
        this.markHardStateChanged();
      }
      // A granted vote is sent only after the vote is durable (send() adds afterPersist).
      this.send(message.from, { type: 'requestVoteResponse', from: this.id, to: message.from, term: message.term, preVote: message.preVote, granted: true });
    } else {
      this.send(message.from, { type: 'requestVoteResponse', from: this.id, to: message.from, term: this.term, preVote: message.preVote, granted: false });
    }
  }

  // ------------------------------------------------------------------------------------------
  // Per-role message handling
  // ------------------------------------------------------------------------------------------

  private stepFollower(message: Message): void {
    switch (message.type) {
      case 'appendEntries':
        this.heardFromLeader(message.from);
        this.handleAppendEntries(message);
        return;
      case 'heartbeat':
        this.heardFromLeader(message.from);
        this.handleHeartbeat(message);
        return;
      case 'installSnapshot':
        this.heardFromLeader(message.from);
        this.handleInstallSnapshot(message);
        return;
      case 'timeoutNow':
        // Leadership transfer (thesis §3.10): campaign now, bypassing pre-vote and the lease.
        this.hup(true);
        return;
      case 'readIndex':
        // We are not the leader (any more): refuse so the asker fails fast instead of timing out.
        this.refuseRead(message);
        return;
      case 'readIndexResponse':
        // An answer to a read already refused (we left that leader meanwhile) is dropped.
        if (!this.forwardedReads.delete(message.context)) return;
        if (message.index > 0) this.effects.push({ type: 'readReady', context: message.context, index: message.index });
        else this.effects.push({ type: 'readFailed', context: message.context, reason: 'not-leader', leaderHint: this.leader });
        return;
      default:
        return;
    }
  }

  private stepCandidate(message: Message): void {
    switch (message.type) {
      case 'appendEntries':
      case 'heartbeat':
      case 'installSnapshot':
        // §5.2: "If the AppendEntries RPC is received from another server claiming to be leader
        // and the leader's term is at least as large as the candidate's current term, then the
        // candidate recognizes the leader as legitimate and returns to follower state."
        this.becomeFollower(message.term, message.from);
        this.stepFollower(message);
        return;
      case 'requestVoteResponse': {
        const preVote = this.role === 'pre-candidate';
        if (message.preVote !== preVote) return;
        if (!this.votes.has(message.from)) this.votes.set(message.from, message.granted);
        this.tallyVotes(preVote);
        return;
      }
      case 'readIndex':
        // No leader here: refuse at once so the asker can retry elsewhere.
        this.refuseRead(message);
        return;
      default:
        return;
    }
  }

  private stepLeader(message: Message): void {
    const pr = this.progress.get(message.from);
    if (pr === undefined) {
      // A read from a node we hold no progress for (removed, or not yet added) is refused, not
      // dropped: its asker would otherwise wait out its whole read timeout.
      if (message.type === 'readIndex') this.refuseRead(message);
      return;
    }
    switch (message.type) {
      case 'appendEntriesResponse':
        this.heardFromPeer(pr);
        this.handleAppendResponse(message, pr);
        return;
      case 'heartbeatResponse':
        this.heardFromPeer(pr);
        this.handleHeartbeatResponse(message, pr);
        return;
      case 'readIndex':
        this.addLeaderRead({ context: message.context, from: message.from, index: this.log.committed });
        return;
      case 'installSnapshotResponse':
        this.heardFromPeer(pr);
        if (pr.state === 'snapshot' && message.done) {
          if (message.success) pr.maybeUpdate(message.index);
          pr.becomeProbe();
          // The snapshot may be all a transfer target lacked: no later append will raise its match.
          if (message.from === this.transferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(message.from);
          this.sendAppend(message.from, pr, true);
        }
        return;
      default:
        return;
    }
  }

  private heardFromLeader(leader: NodeId): void {
    this.electionElapsed = 0;
    if (this.leader !== leader) {
      this.leader = leader;
      this.reportRole();
    }
  }

  private heardFromPeer(pr: Progress): void {
    pr.recentActive = true;
    pr.ticksSinceHeard = 0;
  }

  // ------------------------------------------------------------------------------------------
  // Follower side of replication
  // ------------------------------------------------------------------------------------------

  private handleAppendEntries(message: AppendEntriesMessage): void {
    if (message.prevLogIndex < this.log.committed) {
      // Everything up to our commit already matches the leader (Log Matching); say so, unless
      // the leader asked for no answer (a commit notice that tells us nothing new).
      if (message.noReply === true && message.entries.length === 0) return;
      this.ackAppend(message.from, this.log.committed);
      return;
    }
    // §5.3: "Reply false if log doesn't contain an entry at prevLogIndex whose term matches prevLogTerm."
    if (!this.log.matchTerm(message.prevLogIndex, message.prevLogTerm)) {
      const hint = this.log.findConflictByTerm(Math.min(message.prevLogIndex, this.log.lastIndex()), message.prevLogTerm);
      this.send(message.from, this.rejectAppend(message.from, message.prevLogIndex, hint));
      return;
    }
    const lastNew = message.prevLogIndex + message.entries.length;
    if (message.noReply === true && message.entries.length === 0) {
      // A commit notice: the log matches up to prevLogIndex, which is all the commit needs.
      this.commitTo(Math.min(message.leaderCommit, lastNew));
      return;
    }
    const conflict = this.log.findConflict(message.entries);
    if (conflict !== 0) {
      if (conflict <= this.log.committed) {
        throw new Error(`entry ${conflict} conflicts with the committed log (commit ${this.log.committed}): a safety violation`);
      }
      const first = message.entries[0]!.index;
      this.storeEntries(conflict === first ? message.entries : message.entries.slice(conflict - first));
    }
    // §5.3: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry)."
    this.commitTo(Math.min(message.leaderCommit, lastNew));
    this.ackAppend(message.from, lastNew);
  }

  private handleHeartbeat(message: HeartbeatMessage): void {
    this.commitTo(Math.min(message.commit, this.log.lastIndex()));
    const response: HeartbeatResponseMessage = {
      type: 'heartbeatResponse',
      from: this.id,
      to: message.from,
      term: this.term,
      round: message.round,
    };
    this.send(message.from, response);
  }

  private handleInstallSnapshot(message: InstallSnapshotMessage): void {
    if (!message.done) return;
    const meta = message.meta;
    // Like an append ack, the answer raises the leader's match for us, so it MUST NOT claim an
    // index past what is on our disk: our commit (or the snapshot's last entry, when we already
    // hold it) may be ahead of the persisted log, and then the answer waits for that persist.
    const respond = (success: boolean, index: number) =>
      this.send(
        message.from,
        { type: 'installSnapshotResponse', from: this.id, to: message.from, term: this.term, index, offset: message.offset, done: true, success },
        index > this.log.persistedIndex ? this.latestPersistSeq() : undefined,
      );
    if (meta.index <= this.log.committed) {
      respond(true, this.log.committed);
      return;
    }
    if (this.log.matchTerm(meta.index, meta.term)) {
      // We already hold the snapshot's last entry: just fast-forward the commit.
      this.commitTo(meta.index);
      respond(true, meta.index);
      return;
    }
    // The runtime stored the snapshot before handing it in; the log restarts after it, and the
    // stale tail is deleted from storage with the next persist.
    this.log.restore(meta);
    this.snapshotMeta = meta;
    this.configEntries = [];
    this.baseConfig = meta.config;
    this.config = meta.config;
    this.appliedIndex = meta.index;
    this.applyEmitted = meta.index;
    this.capPendingLastIndexes(meta.index);
    const persist = this.ensurePersist();
    persist.entries = [];
    this.openTruncateFrom = meta.index + 1;
    this.effects.push({ type: 'restoreSnapshot', meta });
    respond(true, meta.index);
  }

  /** ackAppend tells the leader we hold `index`; held back until that index is durable. */
  private ackAppend(to: NodeId, index: number): void {
    const response: AppendEntriesResponseMessage = {
      type: 'appendEntriesResponse',
      from: this.id,
      to,
      term: this.term,
      success: true,
      matchIndex: index,
      rejectedIndex: 0,
      conflictIndex: 0,
      conflictTerm: 0,
    };
    const early = this.cfg.injectedBugs.ackBeforePersist === true;
    this.send(to, response, index > this.log.persistedIndex && !early ? this.latestPersistSeq() : undefined);
  }

  private rejectAppend(to: NodeId, rejectedIndex: number, hint: { index: number; term: number }): AppendEntriesResponseMessage {
    return {
      type: 'appendEntriesResponse',
      from: this.id,
      to,
      term: this.term,
      success: false,
      matchIndex: 0,
      rejectedIndex,
      conflictIndex: hint.index,
      conflictTerm: hint.term,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Leader side of replication
  // ------------------------------------------------------------------------------------------

  private appendAsLeader(items: readonly { type: EntryType; data: Uint8Array }[]): void {
    let index = this.log.lastIndex();
    const entries: Entry[] = [];
    for (const item of items) {
      entries.push({ index: ++index, term: this.term, type: item.type, data: item.data });
      this.uncommittedBytes += item.data.byteLength;
    }
    this.storeEntries(entries);
  }

  /**
   * broadcastAppend sends every follower what it lacks, or an empty append carrying the commit.
   * `commitNotice`: the broadcast announces a new commit index, so an empty append to a follower
   * in replicate state asks for no answer (see `AppendEntriesMessage.noReply`). That saves two
   * of the eight messages an unbatched entry costs in a 3-node cluster.
   */
  private broadcastAppend(commitNotice = false): void {
    for (const [id, pr] of this.progress) this.sendAppend(id, pr, true, commitNotice);
  }

  /**
   * sendAppend sends `to` the entries from its `next`, if flow control allows. Returns whether a
   * message was sent. A follower whose next entry was compacted away gets a snapshot instead.
   */
  private sendAppend(to: NodeId, pr: Progress, sendIfEmpty: boolean, commitNotice = false): boolean {
    if (pr.paused()) return false;
    const prevLogIndex = pr.next - 1;
    const prevLogTerm = this.log.term(prevLogIndex);
    if (prevLogTerm === undefined) {
      pr.becomeSnapshot(this.log.snapshotIndex);
      this.effects.push({ type: 'sendSnapshot', to, meta: this.snapshotMeta });
      return true;
    }
    const entries = this.log.slice(pr.next, this.log.lastIndex() + 1, this.cfg.maxEntriesPerMessage, this.cfg.maxMessageBytes);
    if (entries.length === 0 && !sendIfEmpty) return false;
    const bytes = this.log.sliceBytes;
    const leaderCommit = this.log.committed;
    if (commitNotice && entries.length === 0 && pr.state === 'replicate') {
      this.send(to, { type: 'appendEntries', from: this.id, to, term: this.term, prevLogIndex, prevLogTerm, entries, leaderCommit, noReply: true });
    } else {
      this.send(to, { type: 'appendEntries', from: this.id, to, term: this.term, prevLogIndex, prevLogTerm, entries, leaderCommit });
    }
    pr.sentEntries(entries.length, prevLogIndex + entries.length, bytes);
    return true;
  }

  private broadcastHeartbeat(): void {
    const round = this.readOnly.startRound();
    for (const [id, pr] of this.progress) {
      // The commit is capped at what the follower is known to hold: it may not have the rest.
      const heartbeat: HeartbeatMessage = { type: 'heartbeat', from: this.id, to: id, term: this.term, commit: Math.min(pr.match, this.log.committed), round };
      this.send(id, heartbeat);
    }
    // With no other voter, our own acknowledgement is the quorum.
    this.acknowledgeRound(round, this.id);
  }

  private acknowledgeRound(round: number, from: NodeId): void {
    const confirmed = this.readOnly.acknowledge(round, from, (acks) => hasQuorum(this.config, (id) => id === this.id || acks.has(id)));
    if (confirmed === undefined) return;
    this.effects.push({ type: 'leaderConfirmed', round });
    for (const read of confirmed) this.releaseRead(read);
    // Reads that arrived while this round was out go in the next round at once.
    if (this.readOnly.hasQueued()) this.broadcastHeartbeat();
  }

  private addLeaderRead(read: PendingRead): void {
    if (this.log.term(this.log.committed) !== this.term) {
      // §6.4: until the leader commits an entry of its term it does not know the commit index.
      this.readsAwaitingTermCommit.push(read);
      return;
    }
    this.readOnly.queue(read);
    if (!this.readOnly.readsInFlight()) this.broadcastHeartbeat();
  }

  private releaseRead(read: PendingRead): void {
    if (read.from === this.id) {
      this.effects.push({ type: 'readReady', context: read.context, index: read.index });
    } else {
      this.send(read.from, { type: 'readIndexResponse', from: this.id, to: read.from, term: this.term, context: read.context, index: read.index });
    }
  }

  private failLeaderReads(): void {
    const dropped = [...this.readsAwaitingTermCommit, ...this.readOnly.reset()];
    this.readsAwaitingTermCommit = [];
    for (const read of dropped) {
      if (read.from === this.id) this.effects.push({ type: 'readFailed', context: read.context, reason: 'not-leader', leaderHint: null });
      else this.send(read.from, { type: 'readIndexResponse', from: this.id, to: read.from, term: this.term, context: read.context, index: 0 });
    }
  }

  /** refuseRead answers a forwarded read with index 0: "no leader here", safe to retry. */
  private refuseRead(message: ReadIndexRequestMessage): void {
    this.send(message.from, { type: 'readIndexResponse', from: this.id, to: message.from, term: this.term, context: message.context, index: 0 });
  }

  /** failForwardedReads refuses every read still waiting on the leader we forwarded it to. */
  private failForwardedReads(): void {
    if (this.forwardedReads.size === 0) return;
    for (const context of this.forwardedReads) this.effects.push({ type: 'readFailed', context, reason: 'not-leader', leaderHint: null });
    this.forwardedReads.clear();
  }

  private sendTimeoutNow(to: NodeId): void {
    this.timeoutNowSent = true;
    this.send(to, { type: 'timeoutNow', from: this.id, to, term: this.term });
  }

  /** endTransfer cancels the transfer in progress; proposals and membership changes resume. */
  private endTransfer(): void {
    this.transferee = null;
    if (this.maybeLeaveJoint()) this.broadcastAppend();
  }

  /**
   * maybeLeaveJoint appends the leave-joint entry once C_old,new is committed (§4.3), but not
   * while a transfer runs: the target would campaign with a log one entry shorter than the
   * voters' and lose. It is proposed when the transfer ends, either way. Returns whether it did.
   */
  private maybeLeaveJoint(): boolean {
    if (this.role !== 'leader' || this.transferee !== null || !isJoint(this.config)) return false;
    const lastConfigIndex = this.configEntries.at(-1)?.index ?? 0;
    if (lastConfigIndex > this.log.committed) return false;
    const leave: MembershipConfig = { ...this.config, outgoingVoters: [] };
    this.appendAsLeader([{ type: 'config', data: encodeConfig(leave) }]);
    return true;
  }

  private mostUpToDateVoter(): NodeId | undefined {
    let best: { id: NodeId; match: number } | undefined;
    for (const [id, pr] of this.progress) {
      if (!isVoter(this.config, id)) continue;
      if (best === undefined || pr.match > best.match) best = { id, match: pr.match };
    }
    return best?.id;
  }

  private configAt(index: number): MembershipConfig {
    let config = this.baseConfig;
    for (const item of this.configEntries) {
      if (item.index > index) break;
      config = item.config;
    }
    return config;
  }

  /** leaderRefusal: undefined when this node may change the cluster now, else the refusal. */
  private leaderRefusal(): RequestResult | undefined {
    if (this.role !== 'leader') return this.refuse('not-leader');
    if (this.transferee !== null) return this.refuse('transfer-in-progress');
    if (this.log.term(this.log.committed) !== this.term) return this.refuse('leader-not-ready');
    return undefined;
  }

  private refuse(reason: RefusalReason): RequestResult {
    return { ok: false, reason, leaderHint: this.leader };
  }

  private handleAppendResponse(message: AppendEntriesResponseMessage, pr: Progress): void {
    if (!message.success) {
      // Fast backtracking: skip every entry of the follower's conflicting term at once.
      const hint = message.conflictTerm > 0 ? this.log.findConflictByTerm(message.conflictIndex, message.conflictTerm).index : message.conflictIndex;
      if (pr.maybeDecrTo(message.rejectedIndex, hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(message.from, pr, true);
      }
      return;
    }
    const wasProbing = pr.state === 'probe';
    const wasPaused = pr.paused();
    const updated = pr.maybeUpdate(message.matchIndex);
    if (wasProbing) {
      // Any success means the logs match up to matchIndex: start pipelining.
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(message.matchIndex);
    }
    if (updated && message.from === this.transferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(message.from);
    if (updated && this.maybeCommit()) {
      this.broadcastAppend(true);
      return;
    }
    // As etcd-raft: a follower we held back (probe in flight, full window) was skipped by the
    // broadcasts that announced the commit meanwhile; send it one, empty if need be.
    if (updated && wasPaused) this.sendAppend(message.from, pr, true);
    while (this.sendAppend(message.from, pr, false)) {
      // Keep the pipeline full while the window has room.
    }
  }

  private handleHeartbeatResponse(message: HeartbeatResponseMessage, pr: Progress): void {
    pr.probeSent = false;
    // If every append in the window was lost, nothing would ever free it: the follower answers
    // heartbeats but gets no entries. Free one slot so the next append goes out; if it leaves a
    // gap, the follower's rejection sends us back to probing (etcd-raft does the same).
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.sendAppend(message.from, pr, true);
    // Learners answer heartbeats too, but only voters confirm leadership.
    if (isVoter(this.config, message.from)) this.acknowledgeRound(message.round, message.from);
  }

  /** ackedIndex is what `id` is known to hold durably: its match, or our own durable index. */
  private readonly ackedIndex = (id: NodeId): number => (id === this.id ? this.log.persistedIndex : (this.progress.get(id)?.match ?? 0));

  /**
   * maybeCommit advances the commit index to what a quorum holds, but only to an entry of the
   * current term (§5.4.2, Figure 8); earlier entries commit with it. The leader counts itself
   * only up to its own durable index.
   */
  private maybeCommit(): boolean {
    const index = committedIndex(this.config, this.ackedIndex);
    const anyTerm = this.cfg.injectedBugs.commitPreviousTermByCounting === true;
    if (index <= this.log.committed || (this.log.term(index) !== this.term && !anyTerm)) return false;
    this.commitTo(index);
    this.afterLeaderCommit();
    return true;
  }

  /** afterLeaderCommit does what a newly committed prefix allows a leader to do. */
  private afterLeaderCommit(): void {
    if (this.readsAwaitingTermCommit.length > 0 && this.log.term(this.log.committed) === this.term) {
      const reads = this.readsAwaitingTermCommit;
      this.readsAwaitingTermCommit = [];
      for (const read of reads) this.addLeaderRead({ ...read, index: this.log.committed });
    }
    const lastConfigIndex = this.configEntries.at(-1)?.index ?? 0;
    if (lastConfigIndex > this.log.committed) return;
    if (isJoint(this.config)) {
      // §4.3: once C_old,new is committed the leader moves on to C_new by itself.
      this.maybeLeaveJoint();
      return;
    }
    if (!isVoter(this.config, this.id)) {
      // §4.2.2: a leader removed from the configuration steps down once C_new is committed. It
      // hands over at once to a caught-up voter rather than leaving the cluster to time out.
      const successor = this.mostUpToDateVoter();
      if (successor !== undefined && this.progress.get(successor)!.match === this.log.lastIndex()) this.sendTimeoutNow(successor);
      this.becomeFollower(this.term, null);
    }
  }

  private dropProposal(reason: DropReason): ProposeResult {
    this.effects.push({ type: 'proposalDropped', reason, leaderHint: this.leader });
    return { ok: false, reason, leaderHint: this.leader };
  }

  // ------------------------------------------------------------------------------------------
  // Log, commit, apply, persistence
  // ------------------------------------------------------------------------------------------

  private commitTo(index: number): void {
    if (index <= this.log.committed) return;
    if (this.role === 'leader') {
      for (let i = this.log.committed + 1; i <= index; i++) this.uncommittedBytes -= this.log.entry(i)?.data.byteLength ?? 0;
      if (this.uncommittedBytes < 0) this.uncommittedBytes = 0;
    }
    this.log.committed = index;
  }

  /**
   * storeEntries appends entries that directly follow or overwrite the log's tail, records them
   * in the open persist, and applies any configuration they carry at once: configuration takes
   * effect when appended and is reverted if truncated (thesis §4.1).
   */
  private storeEntries(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    const persist = this.ensurePersist();
    if (first <= this.log.lastIndex()) {
      this.dropUntakenAcksFrom(first, persist);
      this.log.truncateFrom(first);
      this.capPendingLastIndexes(first - 1);
      persist.entries = persist.entries.filter((entry) => entry.index < first);
      this.openTruncateFrom = Math.min(this.openTruncateFrom ?? first, first);
      const before = this.configEntries.length;
      this.configEntries = this.configEntries.filter((item) => item.index < first);
      if (this.configEntries.length !== before) this.setConfig(this.configEntries.at(-1)?.config ?? this.baseConfig);
    }
    this.log.append(entries);
    for (const entry of entries) {
      persist.entries.push(entry);
      if (entry.type === 'config') this.noteConfigEntry(entry);
    }
  }

  /**
   * dropUntakenAcksFrom withdraws the append acknowledgements of entries at `first` or later that
   * wait for the open persist and are still in the effect list: the open persist now truncates
   * those entries, so when it is durable they are no longer ours to acknowledge. (Acknowledgements
   * waiting for an earlier persist go out once it is durable, before this truncation is written:
   * the runtime never folds a truncating persist into an earlier write.)
   */
  private dropUntakenAcksFrom(first: number, open: OpenPersist): void {
    const kept = this.effects.filter(
      (effect, position) =>
        position <= this.openPersistPosition ||
        effect.type !== 'send' ||
        effect.afterPersist !== open.seq ||
        effect.message.type !== 'appendEntriesResponse' ||
        !effect.message.success ||
        effect.message.matchIndex < first,
    );
    if (kept.length !== this.effects.length) this.effects = kept;
  }

  private noteConfigEntry(entry: Entry): void {
    if (entry.type !== 'config') return;
    const config = decodeConfig(entry.data);
    this.configEntries.push({ index: entry.index, config });
    this.setConfig(config);
  }

  private setConfig(config: MembershipConfig): void {
    this.config = config;
    if (this.role !== 'leader') return;
    const wanted = new Set(members(config));
    for (const id of [...this.progress.keys()]) if (!wanted.has(id)) this.progress.delete(id);
    for (const id of wanted) {
      if (id === this.id || this.progress.has(id)) continue;
      this.addProgress(id);
      // A member just added has had no chance to answer yet. It counts as heard at the moment it
      // joins, in check-quorum and in the will-break-quorum guard alike (ticksSinceHeard starts
      // at 0), so the next quorum check does not depose a healthy leader (etcd-raft does the same).
      this.progress.get(id)!.recentActive = true;
    }
    for (const [id, pr] of this.progress) pr.learner = config.learners.includes(id) && !isVoter(config, id);
  }

  private nextApplyIndex(): number {
    return Math.min(this.log.committed, this.log.persistedIndex);
  }

  /** emitApply hands out committed entries that are also durable here, in order. */
  private emitApply(): void {
    const upTo = this.nextApplyIndex();
    if (upTo <= this.applyEmitted) return;
    const entries = this.log.range(this.applyEmitted + 1, upTo + 1);
    this.applyEmitted = upTo;
    this.effects.push({ type: 'apply', entries });
  }

  private ensurePersist(): OpenPersist {
    if (this.openPersist === undefined) {
      // Its hard state is filled in by sealPersist(), before anyone sees the effect.
      this.openPersist = { type: 'persist', seq: this.nextSeq++, hardState: PLACEHOLDER_HARD_STATE, entries: [] };
      this.openPersistPosition = this.effects.length;
      this.effects.push(this.openPersist);
    }
    return this.openPersist;
  }

  private markHardStateChanged(): void {
    this.hardStateSeq = this.ensurePersist().seq;
  }

  private latestPersistSeq(): number {
    return this.openPersist?.seq ?? this.pendingSeqs.at(-1) ?? this.durableSeq;
  }

  /** capPendingLastIndexes: the log was cut back to `index`, so no pending persist makes more durable. */
  private capPendingLastIndexes(index: number): void {
    const lastIndexes = this.pendingLastIndexes;
    for (let i = 0; i < lastIndexes.length; i++) if (lastIndexes[i]! > index) lastIndexes[i] = index;
  }

  private sealPersist(): void {
    const open = this.openPersist;
    if (open === undefined) return;
    this.openPersist = undefined;
    open.hardState = this.hardState();
    const truncateFrom = this.openTruncateFrom;
    if (truncateFrom !== undefined) {
      // Rare (a conflicting tail, a restored snapshot): the effect gains its truncation field.
      this.openTruncateFrom = undefined;
      this.effects[this.openPersistPosition] = { type: 'persist', seq: open.seq, hardState: open.hardState, entries: open.entries, truncateFrom };
    }
    this.pendingSeqs.push(open.seq);
    this.pendingLastIndexes.push(this.log.lastIndex());
  }

  /**
   * send queues a message. While a change of term or vote is not yet durable, every message
   * waits for it: no peer may learn state this node could forget in a crash.
   */
  private send(to: NodeId, message: Message, afterPersist?: number): void {
    let after = afterPersist;
    if (this.hardStateSeq > this.durableSeq) after = Math.max(after ?? 0, this.hardStateSeq);
    this.effects.push(after === undefined ? { type: 'send', to, message } : { type: 'send', to, message, afterPersist: after });
  }
}
