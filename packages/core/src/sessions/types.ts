/**
 * Types of the client-session wrapper: the log entries it reads (`SessionCommand`) and the
 * answers it gives (`SessionResult`). Every field a decision depends on travels in the entry, so
 * each replica decides alike inside `apply` (docs/architecture.md "Deterministic state-machine decisions").
 */

/**
 * SessionClientCommand is a command from a client session (Raft thesis §6.3): `sequence` numbers
 * the client's commands 1, 2, 3...; a retry of the same (`clientId`, `sequence`) is answered with
 * the first answer and NEVER applied twice. `sequence` 1 from an unknown client starts its session.
 */
export interface SessionClientCommand<Command> {
  readonly type: 'command';
  /** Unique per client incarnation (e.g. a random UUID): a restarted client MUST pick a new one. */
  readonly clientId: string;
  /** A positive safe integer; 1 starts a session. */
  readonly sequence: number;
  /** The proposing LEADER's wall-clock reading in ms (see `SessionTick`). */
  readonly timestampMs: number;
  readonly command: Command;
  readonly idempotencyKey?: undefined;
  readonly requestHash?: undefined;
}

/**
 * IdempotentCommand is a command deduplicated by key, as HTTP `Idempotency-Key` asks: a retry with
 * the same key and the same `requestHash` is answered with the first answer; the same key with
 * another `requestHash` is refused with IDEMPOTENCY_KEY_REUSED (the reference node answers 422).
 */
export interface IdempotentCommand<Command> {
  readonly type: 'command';
  /** Non-empty. Keys are one namespace for the whole state machine. */
  readonly idempotencyKey: string;
  /** A digest of the request the key was first used with (method, path, body...). */
  readonly requestHash: string;
  /** The proposing LEADER's wall-clock reading in ms (see `SessionTick`). */
  readonly timestampMs: number;
  readonly command: Command;
  readonly clientId?: undefined;
  readonly sequence?: undefined;
}

/** UntrackedCommand is applied every time it is committed: no session, no key, no dedup. */
export interface UntrackedCommand<Command> {
  readonly type: 'command';
  /** The proposing LEADER's wall-clock reading in ms (see `SessionTick`). */
  readonly timestampMs: number;
  readonly command: Command;
  readonly clientId?: undefined;
  readonly sequence?: undefined;
  readonly idempotencyKey?: undefined;
  readonly requestHash?: undefined;
}

/**
 * SessionTick carries the leader's clock forward when no client writes, so idle sessions still
 * expire. `timestampMs` in every entry is the proposing leader's WALL clock (ms since the epoch,
 * e.g. `Date.now()`), not the runtime's monotonic clock: a new leader's monotonic clock has
 * another origin. Replicas keep the maximum timestamp seen, so a leader whose clock runs behind
 * cannot move session time backwards.
 */
export interface SessionTick {
  readonly type: 'tick';
  readonly timestampMs: number;
}

/**
 * SessionCommand is what a session-wrapped state machine's log entries hold. Commands share
 * `type: 'command'`; which dedup applies is chosen by the fields present (`clientId` +
 * `sequence`, or `idempotencyKey` + `requestHash`, or neither), which the types keep exclusive.
 */
export type SessionCommand<Command> = SessionClientCommand<Command> | IdempotentCommand<Command> | UntrackedCommand<Command> | SessionTick;

/**
 * SessionApplied: the inner state machine applied the command and answered `result`. `duplicate`
 * is true when this entry was a retry answered from the stored first answer, without applying.
 */
export interface SessionApplied<Result> {
  readonly status: 'applied';
  readonly result: Result;
  readonly duplicate: boolean;
}

/**
 * SessionFailed: the inner state machine threw while applying the command. The command used up
 * its sequence (or key): a retry gets this same answer, with `duplicate` true, and is not applied.
 */
export interface SessionFailed {
  readonly status: 'failed';
  /** The thrown error's message (errors are not replicated, their message is). */
  readonly message: string;
  readonly duplicate: boolean;
}

/**
 * SessionRejectionCode says why the wrapper answered instead of the inner state machine.
 * - `SESSION_EXPIRED`: the client has no session (it expired, was evicted as least recently
 *   used, or never began) and `sequence` is not 1. NOT applied; start a new session.
 * - `SESSION_RESULT_EVICTED`: `sequence` is older than the answers the session still keeps. It
 *   may or may not have been applied, and the wrapper can no longer tell. NOT applied now.
 * - `IDEMPOTENCY_KEY_REUSED`: the key was first used with another `requestHash`. NOT applied.
 * - `INVALID_SESSION_COMMAND`: the entry is malformed (bad sequence, empty id, non-finite
 *   timestamp...). NOT applied, and it does not move session time.
 */
export type SessionRejectionCode = 'SESSION_EXPIRED' | 'SESSION_RESULT_EVICTED' | 'IDEMPOTENCY_KEY_REUSED' | 'INVALID_SESSION_COMMAND';

/** SessionRejected: the wrapper answered without applying; `code` says why. */
export interface SessionRejected {
  readonly status: 'rejected';
  readonly code: SessionRejectionCode;
  readonly message: string;
}

/** SessionTicked answers a `SessionTick` with the session clock after it. */
export interface SessionTicked {
  readonly status: 'ticked';
  /** The largest timestamp seen so far: the time sessions expire by. */
  readonly clockMs: number;
}

/** SessionResult is every answer a session-wrapped state machine gives, told apart by `status`. */
export type SessionResult<Result> = SessionApplied<Result> | SessionFailed | SessionRejected | SessionTicked;
