/**
 * errorKind names the kind of a failed operation, so a load run reports "TIMEOUT ×3, http 503
 * NO_LEADER ×12" rather than one error count: `@raftkit/client` errors and Node system errors
 * have a `code`, HTTP answers carry their status and the node's error code.
 */

/** HttpStatusError is an HTTP answer an operation did not expect (see expectStatus). */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    /** The node's `{"error":{"code"}}`, when the body had one. */
    readonly code: string | undefined,
  ) {
    super(`HTTP ${status}${code === undefined ? '' : ` ${code}`}`);
    this.name = 'HttpStatusError';
  }
}

/** errorKind returns a short stable name for `error`. */
export function errorKind(error: unknown): string {
  if (error instanceof HttpStatusError) return `http ${error.status}${error.code === undefined ? '' : ` ${error.code}`}`;
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (error instanceof Error) return error.name;
  }
  return 'unknown';
}
