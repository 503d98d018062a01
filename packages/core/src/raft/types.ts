/**
 * Types of the pure Raft core: log entries, durable state, wire messages, local inputs and the
 * effects the core asks its driver to carry out.
 *
 * Wire messages (`Message`) and local inputs (the methods of `Raft`) are different types, so a
 * tick or a proposal can never be sent to a peer: the compiler enforces what etcd-raft checks at
 * run time.
 */

/** NodeId names one member of a cluster. Non-empty, stable across restarts. */
export type NodeId = string;

/**
 * EntryType says how an entry's `data` is read. `normal` entries carry application commands
 * (an empty `data` is the no-op a new leader appends); `config` entries carry an encoded
 * `MembershipConfig` (see `encodeConfig`).
 */
export type EntryType = 'normal' | 'config';

/** Entry is one slot of the replicated log. */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** HardState is what MUST be on disk before a node answers anything that depends on it. */
export interface HardState {
  readonly term: number;
  /** The candidate voted for in `term`, or null. */
  readonly vote: NodeId | null;
  /** Persisted with the next append, never on its own path (docs/architecture.md). */
  readonly commit: number;
}

/**
 * MembershipConfig is the set of members. During a joint change `outgoingVoters` holds C_old and
 * `voters` holds C_new; both majorities are needed (Raft thesis §4.3). Outside a joint change
 * `outgoingVoters` is empty. An all-empty configuration is valid: a node waiting to be added.
 */
export interface MembershipConfig {
  readonly voters: readonly NodeId[];
  readonly outgoingVoters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** Transport addresses by id, metadata carried through the log for the runtime. */
  readonly addresses?: Readonly<Record<NodeId, string>>;
}

/** SnapshotMeta describes a snapshot: the last index and term it covers and the config then. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly config: MembershipConfig;
}

/** Role of a node. `learner` and `non-member` are reported by status, never stored. */
export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

// ---------------------------------------------------------------------------------------------
// Wire messages
// ---------------------------------------------------------------------------------------------

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/**
 * RequestVote asks for a vote (§5.2) or, when `preVote`, asks whether a vote would be granted
 * without anyone changing term (thesis §9.6). A pre-vote carries the term the sender would
 * campaign in. `transfer` marks a campaign started by TimeoutNow, which overrides the leader
 * lease check-quorum gives followers (thesis §3.10).
 */
export interface RequestVoteMessage extends MessageBase {
  readonly type: 'requestVote';
  readonly preVote: boolean;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  readonly transfer?: boolean;
}

/** RequestVoteResponse answers a RequestVote of the same `preVote` kind. */
export interface RequestVoteResponseMessage extends MessageBase {
  readonly type: 'requestVoteResponse';
  readonly preVote: boolean;
  readonly granted: boolean;
}

/** AppendEntries replicates `entries` after (`prevLogIndex`, `prevLogTerm`) (§5.3). */
export interface AppendEntriesMessage extends MessageBase {
  readonly type: 'appendEntries';
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  readonly leaderCommit: number;
  /**
   * Set on an empty AppendEntries that only announces a new commit index to a follower the
   * leader is pipelining to. The follower applies the commit when its log matches and sends no
   * answer: the leader learns nothing from it that the answers to the entries themselves do not
   * say. A follower whose log does not match still refuses, so a lost append is found at once.
   */
  readonly noReply?: boolean;
}

/**
 * AppendEntriesResponse. On success `matchIndex` is the last index the follower holds durably
 * that matches the leader. On rejection `rejectedIndex` is the `prevLogIndex` refused and
 * (`conflictIndex`, `conflictTerm`) the follower's hint for fast backtracking: the largest index
 * at or below min(rejectedIndex, lastIndex) whose term is at most the leader's `prevLogTerm`.
 */
export interface AppendEntriesResponseMessage extends MessageBase {
  readonly type: 'appendEntriesResponse';
  readonly success: boolean;
  readonly matchIndex: number;
  readonly rejectedIndex: number;
  readonly conflictIndex: number;
  readonly conflictTerm: number;
}

/**
 * Heartbeat carries the leader's commit (capped at what the follower is known to match) and an
 * optional ReadIndex round number, so one heartbeat round confirms leadership for many reads.
 */
export interface HeartbeatMessage extends MessageBase {
  readonly type: 'heartbeat';
  readonly commit: number;
  /** The heartbeat round (ReadIndex, leases); answered in the response. */
  readonly round: number;
}

/** HeartbeatResponse echoes the ReadIndex round of the heartbeat it answers. */
export interface HeartbeatResponseMessage extends MessageBase {
  readonly type: 'heartbeatResponse';
  readonly round: number;
}

/**
 * InstallSnapshot carries one chunk of a snapshot (§7). The runtime streams the chunks; the core
 * sees the message once the whole snapshot is stored (`done`).
 */
export interface InstallSnapshotMessage extends MessageBase {
  readonly type: 'installSnapshot';
  readonly meta: SnapshotMeta;
  readonly offset: number;
  readonly data: Uint8Array;
  readonly done: boolean;
}

/** InstallSnapshotResponse acknowledges bytes up to `offset`, or the whole snapshot when `done`. */
export interface InstallSnapshotResponseMessage extends MessageBase {
  readonly type: 'installSnapshotResponse';
  readonly index: number;
  readonly offset: number;
  readonly done: boolean;
  readonly success: boolean;
}

/** TimeoutNow tells the transfer target to campaign at once (thesis §3.10). */
export interface TimeoutNowMessage extends MessageBase {
  readonly type: 'timeoutNow';
}

/** ReadIndexRequest forwards a follower's read to the leader (thesis §6.4). */
export interface ReadIndexRequestMessage extends MessageBase {
  readonly type: 'readIndex';
  readonly context: string;
}

/** ReadIndexResponse returns the leader's commit index for a forwarded read (0 = refused). */
export interface ReadIndexResponseMessage extends MessageBase {
  readonly type: 'readIndexResponse';
  readonly context: string;
  readonly index: number;
}

/** Message is everything one node sends another. */
export type Message =
  | RequestVoteMessage
  | RequestVoteResponseMessage
  | AppendEntriesMessage
  | AppendEntriesResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | InstallSnapshotMessage
  | InstallSnapshotResponseMessage
  | TimeoutNowMessage
  | ReadIndexRequestMessage
  | ReadIndexResponseMessage;

/** MessageType is the `type` tag of a `Message`. */
export type MessageType = Message['type'];

// ---------------------------------------------------------------------------------------------
// Effects
// ---------------------------------------------------------------------------------------------

/**
 * PersistEffect: write `entries` (after deleting every entry at or after `truncateFrom`, when
 * set) and `hardState` in ONE atomic write. Persists MUST complete in `seq` order; feed each
 * completion back with `Raft.persisted(seq)`.
 */
export interface PersistEffect {
  readonly type: 'persist';
  readonly seq: number;
  readonly hardState: HardState;
  readonly entries: readonly Entry[];
  readonly truncateFrom?: number;
}

/**
 * SendEffect: deliver `message` to `to`. When `afterPersist` is set the message depends on
 * durable state (a vote, an append acknowledgement, a new term) and MUST NOT leave the node
 * BEFORE `persisted(afterPersist)` was reported.
 */
export interface SendEffect {
  readonly type: 'send';
  readonly to: NodeId;
  readonly message: Message;
  readonly afterPersist?: number;
}

/** ApplyEffect: apply these committed, locally durable entries in order, then report `applied`. */
export interface ApplyEffect {
  readonly type: 'apply';
  readonly entries: readonly Entry[];
}

/** SendSnapshotEffect: stream the latest snapshot (described by `meta`) to `to`. */
export interface SendSnapshotEffect {
  readonly type: 'sendSnapshot';
  readonly to: NodeId;
  readonly meta: SnapshotMeta;
}

/** RestoreSnapshotEffect: replace the state machine with the stored snapshot `meta`. */
export interface RestoreSnapshotEffect {
  readonly type: 'restoreSnapshot';
  readonly meta: SnapshotMeta;
}

/** CompactEffect: entries up to and including `upTo` may be deleted from storage. */
export interface CompactEffect {
  readonly type: 'compact';
  readonly upTo: number;
}

/** ReadReadyEffect: the read `context` is linearizable once `index` is applied. */
export interface ReadReadyEffect {
  readonly type: 'readReady';
  readonly context: string;
  readonly index: number;
}

/** ReadFailedEffect: the read `context` cannot be served here (leadership lost, no leader). */
export interface ReadFailedEffect {
  readonly type: 'readFailed';
  readonly context: string;
  readonly reason: RefusalReason;
  readonly leaderHint: NodeId | null;
}

/**
 * LeaderConfirmedEffect: a quorum acknowledged the leader's heartbeat round `round` (every round
 * before it too). The runtime knows when it sent that round; a lease measured from that send time
 * is what lease reads rely on (thesis §6.4.1).
 */
export interface LeaderConfirmedEffect {
  readonly type: 'leaderConfirmed';
  readonly round: number;
}

/** RoleChangedEffect reports every role, term or known-leader change. */
export interface RoleChangedEffect {
  readonly type: 'roleChanged';
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId | null;
}

/** Why a proposal (or a read, transfer or membership change) was refused. */
export type DropReason =
  | 'not-leader'
  | 'uncommitted-limit'
  | 'transfer-in-progress'
  | 'empty-batch';

/**
 * Why a membership change or a leadership transfer was refused (RaftedValue's reasons). Each
 * means the request certainly did not take effect.
 */
export type RefusalReason =
  | 'not-leader'
  /** The leader has not yet committed an entry of its term (the new leader's empty entry). */
  | 'leader-not-ready'
  /** Another configuration change is appended but not committed (or a joint config not left). */
  | 'uncommitted-membership-change'
  | 'transfer-in-progress'
  /** The node named is not a member (or not a voter, where a voter is needed). */
  | 'not-member'
  | 'already-member'
  /** After the change, the responsive voters would not form a quorum of the new configuration. */
  | 'will-break-quorum'
  /** The transfer target has not been heard from within an election timeout. */
  | 'target-unresponsive'
  /** The requested configuration is malformed (no voters, duplicate ids, ...). */
  | 'invalid-change';

/** MembershipChange is what `Raft.changeMembership` accepts. */
export type MembershipChange =
  /** Add a voter (or promote a learner). */
  | { readonly type: 'addVoter'; readonly id: NodeId; readonly address?: string }
  /** Add a learner: it receives the log but never votes or counts. */
  | { readonly type: 'addLearner'; readonly id: NodeId; readonly address?: string }
  /** Promote a learner to voter. */
  | { readonly type: 'promote'; readonly id: NodeId }
  /** Remove a voter or learner; removing the leader is allowed. */
  | { readonly type: 'remove'; readonly id: NodeId }
  /** Move to any configuration; through joint consensus when more than one voter changes. */
  | {
      readonly type: 'replace';
      readonly voters: readonly NodeId[];
      readonly learners?: readonly NodeId[];
      readonly addresses?: Readonly<Record<NodeId, string>>;
    };

/** RequestResult answers `changeMembership`, `transferLeadership` and `readIndex`. */
export type RequestResult =
  | { readonly ok: true; readonly index?: number }
  | { readonly ok: false; readonly reason: RefusalReason; readonly leaderHint: NodeId | null };

/** ProposalDroppedEffect: a proposal was refused; `leaderHint` says where to go instead. */
export interface ProposalDroppedEffect {
  readonly type: 'proposalDropped';
  readonly reason: DropReason;
  readonly leaderHint: NodeId | null;
}

/** Effect is what the core asks its driver to do, in the order given. */
export type Effect =
  | PersistEffect
  | SendEffect
  | ApplyEffect
  | SendSnapshotEffect
  | RestoreSnapshotEffect
  | CompactEffect
  | ReadReadyEffect
  | ReadFailedEffect
  | LeaderConfirmedEffect
  | RoleChangedEffect
  | ProposalDroppedEffect;

/** ProposeResult: where the entry went, or why it was refused. */
export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: DropReason; readonly leaderHint: NodeId | null };

/** ProgressState of a follower as seen by the leader (etcd-raft's tracker states). */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** PeerStatus is the leader's view of one peer. */
export interface PeerStatus {
  readonly id: NodeId;
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly learner: boolean;
  /** Ticks since the leader last heard from this peer; large means unresponsive. */
  readonly ticksSinceHeard: number;
  readonly inflightMessages: number;
}

/** RaftStatus is a snapshot of a node's state for operators and tests. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly persistedIndex: number;
  /** Index of the latest snapshot (0 when none). */
  readonly snapshotIndex: number;
  /** First index still in the in-memory log; entries before it need a snapshot. */
  readonly firstIndex: number;
  /** The node a leadership transfer is handing over to, or null. */
  readonly transferee: NodeId | null;
  readonly config: MembershipConfig;
  /** Index of the entry that set `config` (the snapshot's index when it came from a snapshot). */
  readonly configIndex: number;
  /** Per-peer progress; filled on the leader only. */
  readonly progress: readonly PeerStatus[];
}

/** InitialState is what storage loaded; an empty store is `{ hardState: zero, entries: [] }`. */
export interface InitialState {
  readonly hardState: HardState;
  readonly snapshot?: SnapshotMeta;
  readonly entries: readonly Entry[];
}
