/**
 * The errors a client call rejects with. Each carries a `code` and, for writes, the one fact a
 * caller needs to decide what to do next: `certainlyNotApplied` (safe to send again as a new
 * command) or not (the command may have applied; read before writing again).
 */
import { certainlyNotApplied, type ErrorCode, type LeaderInfo, type SessionStamp } from './protocol.js';

/** RejectionCode is a node's answer that no retry can change; the call rejects at once. */
export type RejectionCode = Extract<
  ErrorCode,
  'BAD_REQUEST' | 'TOO_LARGE' | 'IDEMPOTENCY_KEY_REUSED' | 'SESSION_EXPIRED' | 'SESSION_RESULT_EVICTED' | 'UNAUTHORIZED' | 'FORBIDDEN'
>;

/** ClientErrorCode is the `code` of every error this package throws. */
export type ClientErrorCode = 'NO_LEADER' | 'TIMEOUT' | 'OUTCOME_UNKNOWN' | 'CLUSTER_UNAVAILABLE' | 'CLIENT_CLOSED' | RejectionCode;

/** RaftkitClientError is the base of every error a client call rejects with. */
export abstract class RaftkitClientError extends Error {
  /** code names the kind of failure, stable across versions. */
  abstract readonly code: ClientErrorCode;
  /**
   * certainlyNotApplied is true when the write is known NOT to have applied, so sending it again
   * (as a new command) cannot apply it twice. False: it may have applied. Reads change nothing.
   */
  abstract readonly certainlyNotApplied: boolean;
}

/**
 * NoLeaderError: the deadline passed while the nodes that answered knew no leader (an election,
 * or a minority cut off). Every attempt was refused before it reached the log: NOT applied.
 */
export class NoLeaderError extends RaftkitClientError {
  override readonly name = 'NoLeaderError';
  readonly code = 'NO_LEADER';
  readonly certainlyNotApplied = true;
  constructor(
    message: string,
    /** The last leader hint a node gave, if any. */
    readonly leader?: LeaderInfo,
  ) {
    super(message);
  }
}

/**
 * TimeoutError: the deadline passed and the call certainly changed nothing: a read (query or
 * status) that got no answer, or a write that never left the client (it waited behind its
 * session's first command or a full window of commands in flight). A write that was sent and
 * got no answer rejects with OutcomeUnknownError instead.
 */
export class TimeoutError extends RaftkitClientError {
  override readonly name = 'TimeoutError';
  readonly code = 'TIMEOUT';
  readonly certainlyNotApplied = true;
}

/**
 * OutcomeUnknownError: the deadline passed after at least one attempt of this write may have
 * reached a node (an answer was lost, timed out, or said OUTCOME_UNKNOWN). The command may have
 * applied, or may still apply; it was never applied twice.
 */
export class OutcomeUnknownError extends RaftkitClientError {
  override readonly name = 'OutcomeUnknownError';
  readonly code = 'OUTCOME_UNKNOWN';
  readonly certainlyNotApplied = false;
  constructor(
    message: string,
    /** The stamp every attempt carried; the node's session table knows it if it applied. */
    readonly session: SessionStamp,
  ) {
    super(message);
  }
}

/**
 * ClusterUnavailableError: no node could be reached (connection refused, handshake failed or
 * protocol version refused) before the deadline, so no attempt was sent: NOT applied.
 */
export class ClusterUnavailableError extends RaftkitClientError {
  override readonly name = 'ClusterUnavailableError';
  readonly code = 'CLUSTER_UNAVAILABLE';
  readonly certainlyNotApplied = true;
}

/**
 * RequestRejectedError: a node refused the request for a reason no retry changes (`code` is the
 * node's ErrorCode). Every code but SESSION_RESULT_EVICTED means this attempt was NOT applied;
 * that one means the stamp was applied once but its answer is no longer kept. When an earlier
 * attempt of the same write went unanswered, `certainlyNotApplied` is false whatever the code.
 */
export class RequestRejectedError extends RaftkitClientError {
  override readonly name = 'RequestRejectedError';
  readonly certainlyNotApplied: boolean;
  constructor(
    /** The node's error code, as it sent it. */
    readonly code: RejectionCode,
    message: string,
    /** An earlier attempt of this write may have reached a node without a certain answer. */
    earlierAttemptUncertain = false,
  ) {
    super(`${code}: ${message}`);
    this.certainlyNotApplied = certainlyNotApplied(code) && !earlierAttemptUncertain;
  }
}

/**
 * ClientClosedError: `close()` was called while the call was pending, or the call came after it.
 * `certainlyNotApplied` is false when an attempt of the write may already have reached a node.
 */
export class ClientClosedError extends RaftkitClientError {
  override readonly name = 'ClientClosedError';
  readonly code = 'CLIENT_CLOSED';
  constructor(
    message: string,
    /** False when an attempt of the write may already have reached a node. */
    readonly certainlyNotApplied: boolean,
  ) {
    super(message);
  }
}

/** isRejectionCode reports whether a node's error code ends the call at once. */
export function isRejectionCode(code: ErrorCode): code is RejectionCode {
  return (
    code === 'BAD_REQUEST' ||
    code === 'TOO_LARGE' ||
    code === 'IDEMPOTENCY_KEY_REUSED' ||
    code === 'SESSION_EXPIRED' ||
    code === 'SESSION_RESULT_EVICTED' ||
    code === 'UNAUTHORIZED' ||
    code === 'FORBIDDEN'
  );
}
