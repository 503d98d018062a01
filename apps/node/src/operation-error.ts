/**
 * OperationError: why a client request (HTTP or /v1/ws) failed, in the client protocol's terms.
 * The code says what the caller may assume about a write:
 * - CERTAINLY NOT APPLIED: NO_LEADER, NOT_MEMBER, SHUTTING_DOWN (HTTP 503 + Retry-After),
 *   BAD_REQUEST (400), TOO_LARGE (413), IDEMPOTENCY_KEY_REUSED (422), SESSION_EXPIRED,
 *   CONFLICT (409), NOT_IMPLEMENTED (501);
 * - OUTCOME UNKNOWN: OUTCOME_UNKNOWN, TIMEOUT (HTTP 504): retry only with the same
 *   Idempotency-Key or session stamp.
 */
import type { ErrorCode } from '@raftkit/client';

/** OperationErrorCode: the client protocol's codes plus the HTTP-only ones. */
export type OperationErrorCode = ErrorCode | 'KEY_NOT_FOUND' | 'NOT_FOUND' | 'CONFLICT' | 'NOT_IMPLEMENTED';

/** OperationError carries the code, and where the leader is when that helps the caller. */
export class OperationError extends Error {
  override readonly name = 'OperationError';
  constructor(
    readonly code: OperationErrorCode,
    message: string,
    /** The leader this node knows of, if any (a hint for the client). */
    readonly leader: string | null = null,
  ) {
    super(message);
  }
}
