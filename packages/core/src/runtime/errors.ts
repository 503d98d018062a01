/**
 * Errors a RaftNode answers a caller with. Each says, by its class and `code`, what the caller
 * may assume about its command: `NotLeaderError`, `ProposalDroppedError` and `NodeStoppedError`
 * mean the command was CERTAINLY NOT appended (safe to retry elsewhere); `OutcomeUnknownError`
 * (and its `TimeoutError`, code `PROPOSAL_TIMEOUT`) mean it was appended and MAY still commit
 * (docs/architecture.md "Proposals"), so a blind retry may apply it twice; `ReadTimeoutError`
 * (code `READ_TIMEOUT`) means a read got no answer and changed nothing, so retrying it is safe.
 * Each meaning has its own code.
 */
import type { DropReason, NodeId, RefusalReason } from '../raft/types.js';

/** RaftErrorCode is the stable, machine-readable kind of a RaftError. */
export type RaftErrorCode = 'NOT_LEADER' | 'OUTCOME_UNKNOWN' | 'PROPOSAL_TIMEOUT' | 'READ_TIMEOUT' | 'PROPOSAL_DROPPED' | 'STOPPED' | 'REFUSED' | 'NO_LEADER';

/** RaftError is the base of every error the runtime answers a proposal with. */
export class RaftError extends Error {
  override readonly name: string = 'RaftError';
  constructor(
    readonly code: RaftErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** NotLeaderError: this node does not lead; the command was not appended. Try `leaderHint`. */
export class NotLeaderError extends RaftError {
  override readonly name: string = 'NotLeaderError';
  declare readonly code: 'NOT_LEADER';
  constructor(readonly leaderHint: NodeId | null) {
    super('NOT_LEADER', leaderHint === null ? 'this node is not the leader and knows of none' : `this node is not the leader; try ${leaderHint}`);
  }
}

/**
 * OutcomeUnknownError: the command was appended at (`index`, `term`) but this node can no longer
 * tell whether it commits (leadership was lost, another entry was applied there, or the node
 * stopped). It MAY still be applied.
 */
export class OutcomeUnknownError extends RaftError {
  override readonly name: string = 'OutcomeUnknownError';
  declare readonly code: 'OUTCOME_UNKNOWN' | 'PROPOSAL_TIMEOUT';
  constructor(
    readonly index: number,
    readonly term: number,
    message: string,
    code: 'OUTCOME_UNKNOWN' | 'PROPOSAL_TIMEOUT' = 'OUTCOME_UNKNOWN',
  ) {
    super(code, `${message} (entry ${index} of term ${term} may or may not commit)`);
  }
}

/**
 * TimeoutError (code `PROPOSAL_TIMEOUT`): the proposal timeout passed first. The entry may still
 * commit, hence the parent: retry only under a session (or with an idempotent command).
 */
export class TimeoutError extends OutcomeUnknownError {
  override readonly name: string = 'TimeoutError';
  declare readonly code: 'PROPOSAL_TIMEOUT';
  constructor(index: number, term: number, timeoutMs: number) {
    super(index, term, `no answer within ${timeoutMs} ms`, 'PROPOSAL_TIMEOUT');
  }
}

/** ProposalDroppedError: the core refused the command (e.g. `uncommitted-limit`); not appended. */
export class ProposalDroppedError extends RaftError {
  override readonly name: string = 'ProposalDroppedError';
  declare readonly code: 'PROPOSAL_DROPPED';
  constructor(
    readonly reason: DropReason,
    readonly leaderHint: NodeId | null,
  ) {
    super('PROPOSAL_DROPPED', `the proposal was dropped: ${reason}`);
  }
}

/** NodeStoppedError: the node is not running (not started, stopping or stopped); not appended. */
export class NodeStoppedError extends RaftError {
  override readonly name: string = 'NodeStoppedError';
  declare readonly code: 'STOPPED';
  constructor(message = 'the node is not running') {
    super('STOPPED', message);
  }
}

/** ReadTimeoutError (code `READ_TIMEOUT`): a read was not answered in time. A read changes nothing, so retrying is safe. */
export class ReadTimeoutError extends RaftError {
  override readonly name: string = 'ReadTimeoutError';
  declare readonly code: 'READ_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super('READ_TIMEOUT', `the read was not answered within ${timeoutMs} ms`);
  }
}

/**
 * RequestRefusedError: a membership change or leadership transfer was refused; it certainly did
 * not take effect. `reason` says why (RaftedValue's reasons: not-leader,
 * uncommitted-membership-change, will-break-quorum, target-unresponsive, ...).
 */
export class RequestRefusedError extends RaftError {
  override readonly name: string = 'RequestRefusedError';
  declare readonly code: 'REFUSED';
  constructor(
    readonly reason: RefusalReason,
    readonly leaderHint: NodeId | null,
  ) {
    super('REFUSED', `refused: ${reason}${leaderHint !== null ? ` (leader: ${leaderHint})` : ''}`);
  }
}

/**
 * NoLeaderError (code `NO_LEADER`): `waitForLeader` gave up (its signal aborted) before this node
 * knew of a leader. Nothing was proposed; `reason` is the signal's reason.
 */
export class NoLeaderError extends RaftError {
  override readonly name: string = 'NoLeaderError';
  declare readonly code: 'NO_LEADER';
  constructor(readonly reason: unknown) {
    super('NO_LEADER', 'no leader was known before the wait was aborted', { cause: reason });
  }
}
