/**
 * Client sessions for any StateMachine: linearizable semantics for retried commands (Raft thesis
 * §6.3, "Implementing linearizable semantics"). A client whose proposal ended in
 * OutcomeUnknownError cannot tell whether it was applied; retrying it blindly could apply it
 * twice. Wrapped, the retry of the same (clientId, sequence), or of the same idempotency key, is
 * answered with the first answer and never applied again.
 *
 * ```ts
 * const machine = createSessionStateMachine(new KeyValueMachine());
 * const node = createRaftNode({ ..., stateMachine: machine });
 *
 * const ids = createSessionIds(crypto.randomUUID());           // one per client incarnation
 * const put = ids.command({ put: 'a', value: '1' }, Date.now()); // sequence 1 starts the session
 * let answer;
 * for (;;) {
 *   try { answer = await leaderNode.propose(put); break; }
 *   catch (error) { if (!(error instanceof RaftError)) throw error; } // same entry, any leader
 * }
 * if (answer.status === 'applied') use(answer.result);          // also when answer.duplicate
 * ```
 *
 * Session rules, decided alike on every replica:
 * - sequence 1 from a client without a live session starts one; any other sequence is answered
 *   SESSION_EXPIRED (not applied). A client told SESSION_EXPIRED should continue under a NEW
 *   clientId: its old sequence 1, if retried after expiry, would start a session and apply again.
 * - a live session keeps the answers of its last `maxRetainedResults` applied sequences; a retry
 *   of one is answered `duplicate: true`; an older sequence gets SESSION_RESULT_EVICTED.
 * - a session expires once session time passes its last command by MORE than
 *   `sessionTimeoutMs`; past `maxSessions` the least recently used session is evicted.
 *
 * Decisions are made inside `apply` from the entry alone: the leader puts its wall-clock reading
 * into each entry, and session time is the largest timestamp seen, so every replica expires the
 * same sessions at the same entry. Propose a `sessionTick(Date.now())` now and then (e.g. once a
 * minute on the leader) so idle sessions expire without client traffic.
 *
 * The session table is part of the snapshot: a header frame before the inner machine's chunks
 * (see snapshot-format.ts), so retries stay deduplicated on a node restored from a snapshot.
 */
import { ConfigError } from '../raft/errors.js';
import { createJsonCodec } from '../runtime/codec.js';
import type { ApplyMeta, Codec, StateMachine } from '../runtime/interfaces.js';
import { frameSnapshot, readFramedSnapshot } from './snapshot-format.js';
import { encodeCapturedTable, SessionTable, type SessionLimits, type StoredAnswer } from './session-table.js';
import type { SessionCommand, SessionRejected, SessionRejectionCode, SessionResult } from './types.js';

/** Options for `createSessionStateMachine`. Every replica MUST use the same values. */
export interface SessionStateMachineOptions<Result> {
  /**
   * Answers kept per client session; an older sequence is answered SESSION_RESULT_EVICTED.
   * Default 64: a client may have up to 64 commands in flight (pipelined) and still have every
   * retry deduplicated.
   */
  readonly maxRetainedResults?: number;
  /**
   * A session with no command for longer than this (in entry-timestamp ms) expires. Default one
   * hour: far longer than any retry loop, short enough that abandoned clients do not pile up.
   */
  readonly sessionTimeoutMs?: number;
  /** Live sessions kept; past it the least recently used is evicted. Default 10,000. */
  readonly maxSessions?: number;
  /**
   * Idempotency keys kept, first in first out by log order. Default 10,000 (docs/architecture.md: keys kept
   * for at least the last 10,000 writes).
   */
  readonly maxIdempotencyKeys?: number;
  /**
   * Called while a snapshot encodes the session table, every 1,024 records, to give the event
   * loop back: with many clients the table holds tens of thousands of answers. In Node:
   * `() => new Promise((resolve) => setImmediate(resolve))`. Default none: the table is encoded
   * in one go when the snapshot is first read (a deterministic simulator needs every step to end
   * in promise jobs). Not part of the replicated state: replicas may differ in it.
   */
  readonly pauseWhileEncoding?: () => Promise<void>;
  /**
   * Encodes stored results into snapshots. Default JSON over UTF-8 (with `undefined` allowed).
   * Results MUST survive `decode(encode(result))`, or a node restored from a snapshot would
   * answer a retry differently from one that applied the command.
   */
  readonly resultCodec?: Codec<Result>;
}

/** The defaults of `SessionStateMachineOptions`. */
export const SESSION_DEFAULTS = {
  maxRetainedResults: 64,
  sessionTimeoutMs: 60 * 60 * 1000,
  maxSessions: 10_000,
  maxIdempotencyKeys: 10_000,
} as const satisfies SessionLimits;

/** SessionTableStatus describes the session table, for tests and metrics. */
export interface SessionTableStatus {
  /** The session clock: the largest valid entry timestamp seen. */
  readonly clockMs: number;
  /** Live client sessions. */
  readonly sessions: number;
  /** Retained idempotency keys. */
  readonly idempotencyKeys: number;
}

/**
 * SessionStateMachine is a session-wrapped StateMachine. `query` passes through to the inner
 * machine and answers `{ status: 'applied', result, duplicate: false }`.
 */
export interface SessionStateMachine<Command, Query, Result, QueryResult = Result>
  extends StateMachine<SessionCommand<Command>, Query, SessionResult<Result>, SessionResult<QueryResult>> {
  /** The wrapped state machine. */
  readonly inner: StateMachine<Command, Query, Result, QueryResult>;
  /** sessionStatus describes the session table. */
  sessionStatus(): SessionTableStatus;
}

/**
 * createSessionStateMachine wraps `inner` with client sessions and idempotency keys. Throws
 * ConfigError INVALID_LIMIT for a limit that is not a positive integer (timeout: positive number).
 */
export function createSessionStateMachine<Command, Query, Result, QueryResult = Result>(
  inner: StateMachine<Command, Query, Result, QueryResult>,
  options: SessionStateMachineOptions<Result> = {},
): SessionStateMachine<Command, Query, Result, QueryResult> {
  const limits = resolveLimits(options);
  const codec = options.resultCodec ?? createResultCodec<Result>();
  let table = new SessionTable<Result>(limits);

  const applyInner = (command: Command, meta: ApplyMeta): StoredAnswer<Result> => {
    try {
      return { status: 'applied', result: inner.apply(command, meta) };
    } catch (error) {
      // Every replica throws alike (apply is deterministic), so the message is a replicated answer.
      return { status: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
  };

  return {
    inner,

    apply(entry: SessionCommand<Command>, meta: ApplyMeta): SessionResult<Result> {
      const invalid = validate(entry);
      if (invalid !== undefined) return rejected('INVALID_SESSION_COMMAND', invalid);
      table.advanceClock(entry.timestampMs);
      if (entry.type === 'tick') return { status: 'ticked', clockMs: table.clockMs };

      if (entry.clientId !== undefined) {
        const lookup = table.lookupSession(entry.clientId, entry.sequence);
        switch (lookup.kind) {
          case 'answered':
            return answer(lookup.answer, true);
          case 'expired':
            return rejected('SESSION_EXPIRED', `client ${entry.clientId} has no live session; sequence ${entry.sequence} cannot start one (only 1 can)`);
          case 'evicted':
            return rejected('SESSION_RESULT_EVICTED', `the answer to sequence ${entry.sequence} of client ${entry.clientId} is no longer kept; it may or may not have been applied`);
          case 'apply': {
            const stored = applyInner(entry.command, meta);
            table.recordSessionAnswer(lookup.session, entry.sequence, stored);
            return answer(stored, false);
          }
        }
      }

      if (entry.idempotencyKey !== undefined) {
        const lookup = table.lookupKey(entry.idempotencyKey, entry.requestHash);
        if (lookup.kind === 'answered') return answer(lookup.answer, true);
        if (lookup.kind === 'reused') return rejected('IDEMPOTENCY_KEY_REUSED', `idempotency key ${entry.idempotencyKey} was first used with another request`);
        const stored = applyInner(entry.command, meta);
        table.recordKey(entry.idempotencyKey, entry.requestHash, stored);
        return answer(stored, false);
      }

      return answer(applyInner(entry.command, meta), false);
    },

    query(query: Query): SessionResult<QueryResult> {
      return { status: 'applied', result: inner.query(query), duplicate: false };
    },

    // Not an async generator: the table and the inner snapshot are both captured NOW, at the
    // applied index of the call, not when the caller starts reading. The table is only copied
    // here; it is encoded as the snapshot is read.
    snapshot(): AsyncIterable<Uint8Array> {
      const captured = table.capture();
      return frameSnapshot(() => encodeCapturedTable(captured, codec, options.pauseWhileEncoding), inner.snapshot());
    },

    async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
      // Everything is verified before anything changes: a corrupt snapshot leaves both as they were.
      const framed = await readFramedSnapshot(chunks);
      const restored = SessionTable.decode(framed.table, codec, limits);
      await inner.restore(
        (async function* () {
          yield* framed.inner;
        })(),
      );
      table = restored;
    },

    sessionStatus(): SessionTableStatus {
      return { clockMs: table.clockMs, sessions: table.sessions.size, idempotencyKeys: table.keys.size };
    },
  };
}

function answer<Result>(stored: StoredAnswer<Result>, duplicate: boolean): SessionResult<Result> {
  return stored.status === 'applied' ? { status: 'applied', result: stored.result, duplicate } : { status: 'failed', message: stored.message, duplicate };
}

function rejected(code: SessionRejectionCode, message: string): SessionRejected {
  return { status: 'rejected', code, message };
}

/**
 * validate returns why `entry` is malformed, or undefined. Entries come from a codec, so the
 * types are checked at run time: a malformed entry is refused alike on every replica.
 */
function validate(entry: SessionCommand<unknown>): string | undefined {
  if (typeof entry !== 'object' || entry === null) return 'an entry must be an object';
  if (typeof entry.timestampMs !== 'number' || !Number.isFinite(entry.timestampMs)) return 'timestampMs must be a finite number';
  if (entry.type === 'tick') return undefined;
  if (entry.type !== 'command') return `unknown entry type ${JSON.stringify((entry as { type: unknown }).type)}`;
  const hasSession = entry.clientId !== undefined || entry.sequence !== undefined;
  const hasKey = entry.idempotencyKey !== undefined || entry.requestHash !== undefined;
  if (hasSession && hasKey) return 'a command has either clientId and sequence or idempotencyKey and requestHash, not both';
  if (hasSession) {
    if (typeof entry.clientId !== 'string' || entry.clientId === '') return 'clientId must be a non-empty string';
    if (typeof entry.sequence !== 'number' || !Number.isSafeInteger(entry.sequence) || entry.sequence < 1) return 'sequence must be a positive integer';
  }
  if (hasKey) {
    if (typeof entry.idempotencyKey !== 'string' || entry.idempotencyKey === '') return 'idempotencyKey must be a non-empty string';
    if (typeof entry.requestHash !== 'string') return 'requestHash must be a string';
  }
  return undefined;
}

function resolveLimits<Result>(options: SessionStateMachineOptions<Result>): SessionLimits {
  const limits: SessionLimits = {
    maxRetainedResults: options.maxRetainedResults ?? SESSION_DEFAULTS.maxRetainedResults,
    sessionTimeoutMs: options.sessionTimeoutMs ?? SESSION_DEFAULTS.sessionTimeoutMs,
    maxSessions: options.maxSessions ?? SESSION_DEFAULTS.maxSessions,
    maxIdempotencyKeys: options.maxIdempotencyKeys ?? SESSION_DEFAULTS.maxIdempotencyKeys,
  };
  for (const name of ['maxRetainedResults', 'maxSessions', 'maxIdempotencyKeys'] as const) {
    if (!Number.isSafeInteger(limits[name]) || limits[name] < 1) throw new ConfigError('INVALID_LIMIT', `${name} must be a positive integer, got ${String(limits[name])}`);
  }
  if (!Number.isFinite(limits.sessionTimeoutMs) || limits.sessionTimeoutMs <= 0) {
    throw new ConfigError('INVALID_LIMIT', `sessionTimeoutMs must be a positive number of ms, got ${String(limits.sessionTimeoutMs)}`);
  }
  return limits;
}

/** createResultCodec is JSON over UTF-8, with `undefined` (a void result) as zero bytes. */
function createResultCodec<Result>(): Codec<Result> {
  const json = createJsonCodec<Result>();
  return {
    encode: (result) => (result === undefined ? new Uint8Array(0) : json.encode(result)),
    decode: (bytes) => (bytes.byteLength === 0 ? (undefined as Result) : json.decode(bytes)),
  };
}
