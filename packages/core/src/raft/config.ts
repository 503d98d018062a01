import { ConfigError } from './errors.js';
import { createSeededRng, hashSeed, type Rng } from './rng.js';
import type { NodeId } from './types.js';

/** RaftConfig configures one node's protocol core. Only `id` is required. */
export interface RaftConfig {
  /** This node's id. */
  readonly id: NodeId;
  /** A follower that hears nothing for a random timeout in [electionTicks, 2×electionTicks) campaigns. Default 10. */
  readonly electionTicks?: number;
  /** The leader sends heartbeats every heartbeatTicks; MUST be less than electionTicks. Default 1. */
  readonly heartbeatTicks?: number;
  /** Pre-vote (thesis §9.6): a partitioned node cannot disrupt a leader when it returns. Default true. */
  readonly preVote?: boolean;
  /** Check-quorum (thesis §6.2): a leader that has not heard from a quorum steps down. Default true. */
  readonly checkQuorum?: boolean;
  /** Entries in one AppendEntries. Default 512. */
  readonly maxEntriesPerMessage?: number;
  /** Payload bytes in one AppendEntries (at least one entry is always sent). Default 1 MiB. */
  readonly maxMessageBytes?: number;
  /** AppendEntries in flight to one follower in replicate state. Default 256. */
  readonly maxInflightMessages?: number;
  /** Payload bytes in flight to one follower; 0 = no byte bound. Default 32 MiB. */
  readonly maxInflightBytes?: number;
  /** Uncommitted payload bytes a leader holds before it drops proposals; 0 = no bound. Default 64 MiB. */
  readonly maxUncommittedBytes?: number;
  /** Seeded randomness for election timeouts. Default: seeded from a hash of `id`. */
  readonly random?: Rng;
  /**
   * The cluster serves lease reads (set it on EVERY node). Needs check-quorum. A node that has
   * just started ignores vote requests for an election timeout, as if it had heard a leader: it
   * may have acknowledged a leader's heartbeat before it restarted, and that leader's lease
   * counts on it not voting yet.
   */
  readonly leaseReads?: boolean;
  /**
   * UNSAFE, for testing test tools only: each switch deliberately breaks one Raft rule so a
   * simulator or checker can prove it catches that bug. Never set in production.
   */
  readonly injectedBugs?: InjectedBugs;
}

/** InjectedBugs are deliberate rule violations for proving that a test harness catches them. */
export interface InjectedBugs {
  /** Commit entries of earlier terms by counting replicas (the Figure 8 bug, §5.4.2). */
  readonly commitPreviousTermByCounting?: boolean;
  /** Acknowledge appended entries before they are durable (breaks the Acks rule). */
  readonly ackBeforePersist?: boolean;
  /** Grant a vote to every up-to-date candidate, even after voting in this term (§5.2). */
  readonly voteTwiceInTerm?: boolean;
  /** Let the lease come back after an abandoned transfer whose TimeoutNow may still arrive. */
  readonly leaseAfterTimeoutNow?: boolean;
}

/** ResolvedRaftConfig is a validated config with every default filled in. */
export interface ResolvedRaftConfig {
  readonly id: NodeId;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxEntriesPerMessage: number;
  readonly maxMessageBytes: number;
  readonly maxInflightMessages: number;
  readonly maxInflightBytes: number;
  readonly maxUncommittedBytes: number;
  readonly random: Rng;
  readonly leaseReads: boolean;
  readonly injectedBugs: InjectedBugs;
}

/** Defaults for every optional RaftConfig field. */
export const RAFT_DEFAULTS = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerMessage: 512,
  maxMessageBytes: 1024 * 1024,
  maxInflightMessages: 256,
  maxInflightBytes: 32 * 1024 * 1024,
  maxUncommittedBytes: 64 * 1024 * 1024,
} as const;

/** validateNodeId throws INVALID_ID (for self) or INVALID_MEMBER_ID unless `id` is a non-empty string. */
export function validateNodeId(id: unknown, code: 'INVALID_ID' | 'INVALID_MEMBER_ID' = 'INVALID_ID'): asserts id is NodeId {
  if (typeof id !== 'string' || id.length === 0 || id.trim() !== id) {
    throw new ConfigError(code, `node id must be a non-empty string without surrounding spaces, got ${JSON.stringify(id)}`);
  }
}

function positiveInteger(name: string, value: number, code: 'INVALID_ELECTION_TICKS' | 'INVALID_HEARTBEAT_TICKS' | 'INVALID_LIMIT', allowZero = false): number {
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new ConfigError(code, `${name} must be an integer ≥ ${allowZero ? 0 : 1}, got ${String(value)}`);
  }
  return value;
}

/** resolveRaftConfig validates `config` and fills defaults; throws ConfigError on the first problem. */
export function resolveRaftConfig(config: RaftConfig): ResolvedRaftConfig {
  validateNodeId(config.id);
  const electionTicks = positiveInteger('electionTicks', config.electionTicks ?? RAFT_DEFAULTS.electionTicks, 'INVALID_ELECTION_TICKS');
  const heartbeatTicks = positiveInteger('heartbeatTicks', config.heartbeatTicks ?? RAFT_DEFAULTS.heartbeatTicks, 'INVALID_HEARTBEAT_TICKS');
  if (heartbeatTicks >= electionTicks) {
    throw new ConfigError(
      'HEARTBEAT_NOT_LESS_THAN_ELECTION',
      `heartbeatTicks (${heartbeatTicks}) must be less than electionTicks (${electionTicks}), or followers time out between heartbeats`,
    );
  }
  const checkQuorum = config.checkQuorum ?? RAFT_DEFAULTS.checkQuorum;
  const leaseReads = config.leaseReads ?? false;
  if (leaseReads && !checkQuorum) {
    throw new ConfigError('LEASE_WITHOUT_CHECK_QUORUM', 'leaseReads needs checkQuorum: without it a deposed leader may not know, and serve stale reads');
  }
  return {
    id: config.id,
    electionTicks,
    heartbeatTicks,
    preVote: config.preVote ?? RAFT_DEFAULTS.preVote,
    checkQuorum,
    leaseReads,
    maxEntriesPerMessage: positiveInteger('maxEntriesPerMessage', config.maxEntriesPerMessage ?? RAFT_DEFAULTS.maxEntriesPerMessage, 'INVALID_LIMIT'),
    maxMessageBytes: positiveInteger('maxMessageBytes', config.maxMessageBytes ?? RAFT_DEFAULTS.maxMessageBytes, 'INVALID_LIMIT'),
    maxInflightMessages: positiveInteger('maxInflightMessages', config.maxInflightMessages ?? RAFT_DEFAULTS.maxInflightMessages, 'INVALID_LIMIT'),
    maxInflightBytes: positiveInteger('maxInflightBytes', config.maxInflightBytes ?? RAFT_DEFAULTS.maxInflightBytes, 'INVALID_LIMIT', true),
    maxUncommittedBytes: positiveInteger('maxUncommittedBytes', config.maxUncommittedBytes ?? RAFT_DEFAULTS.maxUncommittedBytes, 'INVALID_LIMIT', true),
    random: config.random ?? createSeededRng(hashSeed(config.id)),
    injectedBugs: config.injectedBugs ?? {},
  };
}
