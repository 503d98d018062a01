/**
 * HTTP answers and the one table that maps an OperationError onto a status code (docs/architecture.md):
 * 503 + Retry-After = certainly not applied; 504 = outcome unknown.
 */
import { OperationError, type OperationErrorCode } from '../operation-error.js';

/** HttpResponse is what a route answers; the server writes it. */
export interface HttpResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON value, or raw bytes / text (then `content-type` is in `headers`). */
  readonly body?: unknown;
}

/** STATUS_OF maps each error code to its HTTP status. */
export const STATUS_OF: Readonly<Record<OperationErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  KEY_NOT_FOUND: 404,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SESSION_EXPIRED: 409,
  TOO_LARGE: 413,
  IDEMPOTENCY_KEY_REUSED: 422,
  INTERNAL: 500,
  SESSION_RESULT_EVICTED: 500,
  NOT_IMPLEMENTED: 501,
  NO_LEADER: 503,
  NOT_MEMBER: 503,
  SHUTTING_DOWN: 503,
  OUTCOME_UNKNOWN: 504,
  TIMEOUT: 504,
};

/** json answers `body` as JSON. */
export function json(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): HttpResponse {
  return { status, headers, body };
}

/**
 * errorResponse answers `{"error":{"code","message"}}` with the code's status; a 503 carries
 * `Retry-After` (seconds) and, when known, the leader in `X-Raft-Leader`.
 */
export function errorResponse(error: OperationError, retryAfterSeconds = 1): HttpResponse {
  const status = STATUS_OF[error.code] ?? 500;
  const headers: Record<string, string> = {};
  if (status === 503) headers['retry-after'] = String(retryAfterSeconds);
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="raftkit"';
  if (error.leader !== null) headers['x-raft-leader'] = error.leader;
  return { status, headers, body: { error: { code: error.code, message: error.message } } };
}

/** failure turns anything thrown by a route into an error answer. */
export function failure(error: unknown): HttpResponse {
  if (error instanceof OperationError) return errorResponse(error);
  return errorResponse(new OperationError('INTERNAL', error instanceof Error ? error.message : String(error)));
}
