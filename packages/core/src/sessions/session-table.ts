/**
 * SessionTable is the replicated bookkeeping behind client sessions and idempotency keys (Raft
 * thesis §6.3): per client, the answers of its recent sequences; per key, the first answer. It
 * holds no clock of its own: time is the largest entry timestamp seen, so every replica fed the
 * same entries holds the same table, byte for byte in its snapshot.
 *
 * Both maps are kept in a meaningful insertion order, which makes every bound O(1) to enforce:
 * - `sessions` in least-recently-used order. A session is moved to the end when touched, and
 *   `clockMs` never decreases, so the order is also by `lastActiveMs`: expiry and LRU eviction
 *   both remove from the front.
 * - `keys` in log order of first use: FIFO retention removes from the front.
 */
import { ByteReader, ByteWriter } from './bytes.js';
import { SessionSnapshotError } from './errors.js';
import type { Codec } from '../runtime/interfaces.js';

/**
 * StoredAnswer is what a sequence or key was first answered with, kept for its retries. It is
 * never changed once stored (the inner machine's result is kept as returned), so a snapshot's
 * capture may share it.
 */
export type StoredAnswer<Result> = { readonly status: 'applied'; readonly result: Result } | { readonly status: 'failed'; readonly message: string };

/** ClientSession is one client's state. */
export interface ClientSession<Result> {
  /** `clockMs` when the client last sent a command. */
  lastActiveMs: number;
  /**
   * Every sequence at or below this whose answer is not in `answers` was evicted (or never
   * applied, which the table cannot tell apart). 0 until the first eviction.
   */
  evictedThrough: number;
  /** Retained answers by sequence, oldest first (in the order they were applied). */
  readonly answers: Map<number, StoredAnswer<Result>>;
}

/** KeyRecord is the first use of an idempotency key. */
export interface KeyRecord<Result> {
  readonly requestHash: string;
  readonly answer: StoredAnswer<Result>;
}

/** SessionLimits bounds the table; every replica MUST use the same values. */
export interface SessionLimits {
  readonly maxRetainedResults: number;
  readonly sessionTimeoutMs: number;
  readonly maxSessions: number;
  readonly maxIdempotencyKeys: number;
}

/**
 * SessionLookup is what the table makes of a (client, sequence): apply it (`session` is where to
 * record the answer), answer it from `answer`, or refuse it.
 */
export type SessionLookup<Result> =
  | { readonly kind: 'apply'; readonly session: ClientSession<Result> }
  | { readonly kind: 'answered'; readonly answer: StoredAnswer<Result> }
  | { readonly kind: 'expired' }
  | { readonly kind: 'evicted' };

/** KeyLookup is what the table makes of an idempotency key and request hash. */
export type KeyLookup<Result> = { readonly kind: 'apply' } | { readonly kind: 'answered'; readonly answer: StoredAnswer<Result> } | { readonly kind: 'reused' };

/** SessionTable holds the sessions and keys; the wrapper asks it, then records the answer. */
export class SessionTable<Result> {
  /** The largest valid entry timestamp seen; 0 before any. */
  clockMs = 0;
  readonly sessions = new Map<string, ClientSession<Result>>();
  readonly keys = new Map<string, KeyRecord<Result>>();

  constructor(private readonly limits: SessionLimits) {}

  /** advanceClock moves time to `timestampMs` if later (never back), then expires idle sessions. */
  advanceClock(timestampMs: number): void {
    if (timestampMs > this.clockMs) this.clockMs = timestampMs;
    for (const [clientId, session] of this.sessions) {
      if (this.clockMs - session.lastActiveMs <= this.limits.sessionTimeoutMs) break;
      this.sessions.delete(clientId);
    }
  }

  /**
   * lookupSession decides a client command. A live session is touched (even by a retry: the
   * client is alive). An unknown client with `sequence` 1 gets a new session, evicting the least
   * recently used one past `maxSessions`; with any other sequence its session is gone (expired or
   * evicted) or never began, and the command is refused.
   */
  lookupSession(clientId: string, sequence: number): SessionLookup<Result> {
    let session = this.sessions.get(clientId);
    if (session === undefined) {
      if (sequence !== 1) return { kind: 'expired' };
      session = { lastActiveMs: this.clockMs, evictedThrough: 0, answers: new Map() };
      this.sessions.set(clientId, session);
      if (this.sessions.size > this.limits.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
      return { kind: 'apply', session };
    }
    this.sessions.delete(clientId);
    this.sessions.set(clientId, session);
    session.lastActiveMs = this.clockMs;
    const answer = session.answers.get(sequence);
    if (answer !== undefined) return { kind: 'answered', answer };
    if (sequence <= session.evictedThrough) return { kind: 'evicted' };
    return { kind: 'apply', session };
  }

  /**
   * recordSessionAnswer keeps `answer` for `sequence`, dropping the oldest retained answer past
   * `maxRetainedResults`. Dropping in application order (not lowest sequence first) is still
   * safe: `evictedThrough` rises to every dropped sequence, so no applied sequence is ever taken
   * for a new one.
   */
  recordSessionAnswer(session: ClientSession<Result>, sequence: number, answer: StoredAnswer<Result>): void {
    session.answers.set(sequence, answer);
    trimAnswers(session, this.limits.maxRetainedResults);
  }

  /** lookupKey decides an idempotent command. A retry does not refresh the key's place. */
  lookupKey(key: string, requestHash: string): KeyLookup<Result> {
    const record = this.keys.get(key);
    if (record === undefined) return { kind: 'apply' };
    return record.requestHash === requestHash ? { kind: 'answered', answer: record.answer } : { kind: 'reused' };
  }

  /** recordKey keeps the first answer for `key`, forgetting the oldest key past `maxIdempotencyKeys`. */
  recordKey(key: string, requestHash: string, answer: StoredAnswer<Result>): void {
    this.keys.set(key, { requestHash, answer });
    if (this.keys.size > this.limits.maxIdempotencyKeys) this.keys.delete(this.keys.keys().next().value!);
  }

  /**
   * capture copies what a snapshot needs of the table as it is now, so it can be encoded later
   * while the table moves on. Sessions change in place, so their fields and answer lists are
   * copied; the answers and key records themselves never change after they are stored, so they
   * are shared.
   */
  capture(): CapturedTable<Result> {
    const sessions: CapturedSession<Result>[] = [];
    for (const [clientId, session] of this.sessions) {
      sessions.push({
        clientId,
        lastActiveMs: session.lastActiveMs,
        evictedThrough: session.evictedThrough,
        sequences: [...session.answers.keys()],
        answers: [...session.answers.values()],
      });
    }
    return { clockMs: this.clockMs, sessions, keys: [...this.keys.keys()], records: [...this.keys.values()] };
  }

  /**
   * decode reads a table `encode` wrote. Throws SessionSnapshotError CORRUPT_SNAPSHOT on bytes
   * that do not decode (including a result the codec refuses). Limits smaller than the writer's
   * are enforced on the way in, deterministically, as the bounds would have been.
   */
  static decode<Result>(bytes: Uint8Array, codec: Codec<Result>, limits: SessionLimits): SessionTable<Result> {
    const reader = new ByteReader(bytes);
    const table = new SessionTable<Result>(limits);
    table.clockMs = finite(reader.f64(), 'clock');
    const sessionCount = reader.u32();
    let previousActiveMs = -Infinity;
    for (let position = 0; position < sessionCount; position++) {
      const clientId = reader.text();
      const session: ClientSession<Result> = {
        lastActiveMs: finite(reader.f64(), 'lastActiveMs'),
        evictedThrough: sequenceOrZero(reader.f64()),
        answers: new Map(),
      };
      const answerCount = reader.u32();
      for (let answer = 0; answer < answerCount; answer++) {
        const sequence = sequenceOrZero(reader.f64());
        session.answers.set(sequence, readAnswer(reader, codec));
      }
      if (table.sessions.has(clientId)) throw corrupt(`client ${JSON.stringify(clientId)} appears twice`);
      // Expiry sweeps from the front, so the order by lastActiveMs is an invariant, not a hint.
      if (session.lastActiveMs < previousActiveMs || session.lastActiveMs > table.clockMs) throw corrupt(`client ${JSON.stringify(clientId)} is out of order`);
      previousActiveMs = session.lastActiveMs;
      trimAnswers(session, limits.maxRetainedResults);
      table.sessions.set(clientId, session);
    }
    const keyCount = reader.u32();
    for (let position = 0; position < keyCount; position++) {
      const key = reader.text();
      const requestHash = reader.text();
      if (table.keys.has(key)) throw corrupt(`idempotency key ${JSON.stringify(key)} appears twice`);
      table.keys.set(key, { requestHash, answer: readAnswer(reader, codec) });
    }
    if (reader.remaining !== 0) throw corrupt(`${reader.remaining} bytes after the session table`);
    while (table.sessions.size > limits.maxSessions) table.sessions.delete(table.sessions.keys().next().value!);
    while (table.keys.size > limits.maxIdempotencyKeys) table.keys.delete(table.keys.keys().next().value!);
    return table;
  }
}

function trimAnswers<Result>(session: ClientSession<Result>, maxRetainedResults: number): void {
  for (const sequence of session.answers.keys()) {
    if (session.answers.size <= maxRetainedResults) return;
    session.answers.delete(sequence);
    if (sequence > session.evictedThrough) session.evictedThrough = sequence;
  }
}

/** CapturedSession is one session as `capture` copied it. */
interface CapturedSession<Result> {
  readonly clientId: string;
  readonly lastActiveMs: number;
  readonly evictedThrough: number;
  readonly sequences: readonly number[];
  readonly answers: readonly StoredAnswer<Result>[];
}

/** CapturedTable is the table at one moment (see `SessionTable.capture`), in its maps' order. */
export interface CapturedTable<Result> {
  readonly clockMs: number;
  readonly sessions: readonly CapturedSession<Result>[];
  /** Idempotency keys, first used first, and their records at the same positions. */
  readonly keys: readonly string[];
  readonly records: readonly KeyRecord<Result>[];
}

/** Records (sessions, answers, keys) written between two pauses of `encodeCapturedTable`. */
const RECORDS_PER_PAUSE = 1024;

/**
 * encodeCapturedTable writes a captured table in its maps' order, so the order survives a
 * snapshot (`SessionTable.decode` reads it back). With
 * `pause`, it awaits `pause()` every RECORDS_PER_PAUSE records: a table of 256 busy clients holds
 * 16,384 answers, and encoding them in one go held a node's event loop for 20-40 ms at every
 * snapshot, which every write in flight waited out. Without it, the table is written in one go.
 */
export async function encodeCapturedTable<Result>(captured: CapturedTable<Result>, codec: Codec<Result>, pause?: () => Promise<void>): Promise<Uint8Array> {
  const writer = new ByteWriter();
  let sincePause = 0;
  /** pauseDue counts `records` just written and says whether it is time to pause. */
  const pauseDue = (records: number): boolean => {
    if (pause === undefined || (sincePause += records) < RECORDS_PER_PAUSE) return false;
    sincePause = 0;
    return true;
  };
  writer.f64(captured.clockMs);
  writer.u32(captured.sessions.length);
  for (const session of captured.sessions) {
    writer.text(session.clientId);
    writer.f64(session.lastActiveMs);
    writer.f64(session.evictedThrough);
    writer.u32(session.answers.length);
    for (let position = 0; position < session.answers.length; position++) {
      writer.f64(session.sequences[position]!);
      writeAnswer(writer, session.answers[position]!, codec);
    }
    if (pauseDue(1 + session.answers.length)) await pause!();
  }
  writer.u32(captured.keys.length);
  for (let position = 0; position < captured.keys.length; position++) {
    const record = captured.records[position]!;
    writer.text(captured.keys[position]!);
    writer.text(record.requestHash);
    writeAnswer(writer, record.answer, codec);
    if (pauseDue(1)) await pause!();
  }
  return writer.finish();
}

const ANSWER_APPLIED = 0;
const ANSWER_FAILED = 1;

function writeAnswer<Result>(writer: ByteWriter, answer: StoredAnswer<Result>, codec: Codec<Result>): void {
  if (answer.status === 'applied') {
    writer.u8(ANSWER_APPLIED);
    writer.bytes(codec.encode(answer.result));
  } else {
    writer.u8(ANSWER_FAILED);
    writer.text(answer.message);
  }
}

function readAnswer<Result>(reader: ByteReader, codec: Codec<Result>): StoredAnswer<Result> {
  const kind = reader.u8();
  if (kind === ANSWER_FAILED) return { status: 'failed', message: reader.text() };
  if (kind !== ANSWER_APPLIED) throw corrupt(`unknown answer kind ${kind}`);
  const bytes = reader.bytes();
  try {
    return { status: 'applied', result: codec.decode(bytes) };
  } catch (error) {
    throw new SessionSnapshotError('CORRUPT_SNAPSHOT', 'a stored result does not decode', { cause: error });
  }
}

function finite(value: number, what: string): number {
  if (!Number.isFinite(value)) throw corrupt(`${what} is ${value}`);
  return value;
}

function sequenceOrZero(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw corrupt(`sequence ${value} is not a non-negative integer`);
  return value;
}

function corrupt(message: string): SessionSnapshotError {
  return new SessionSnapshotError('CORRUPT_SNAPSHOT', message);
}
