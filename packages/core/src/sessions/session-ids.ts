/**
 * Helpers for the side that proposes session commands: sequence numbering for one client, and
 * builders for each kind of `SessionCommand`.
 *
 * `timestampMs` is the wall clock of the node that PROPOSES the entry, read when it proposes
 * (`Date.now()` on the leader). A retry MAY reuse the first entry as is, or be restamped with
 * `withTimestamp`: replicas keep the largest timestamp, so an old one never moves time back.
 */
import type { IdempotentCommand, SessionClientCommand, SessionCommand, SessionTick, UntrackedCommand } from './types.js';

/** SessionIds numbers one client's commands 1, 2, 3... (sequence 1 starts its session). */
export interface SessionIds {
  readonly clientId: string;
  /** The sequence `next()` handed out last; 0 before the first. */
  readonly lastSequence: number;
  /** next reserves the next sequence. A retry MUST reuse its sequence, never take a new one. */
  next(): number;
  /** command wraps `command` with this client's id, the next sequence and `timestampMs`. */
  command<Command>(command: Command, timestampMs: number): SessionClientCommand<Command>;
}

/**
 * createSessionIds starts numbering for `clientId`, which MUST be unique per client incarnation
 * (e.g. a random UUID): a client that restarts and loses its counter under the same id would be
 * answered its predecessor's stored answers. `lastSequence` continues an existing session.
 */
export function createSessionIds(clientId: string, options: { readonly lastSequence?: number } = {}): SessionIds {
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('clientId must be a non-empty string');
  let last = options.lastSequence ?? 0;
  if (!Number.isSafeInteger(last) || last < 0) throw new RangeError(`lastSequence must be a non-negative integer, got ${String(last)}`);
  return {
    clientId,
    get lastSequence() {
      return last;
    },
    next() {
      last += 1;
      return last;
    },
    command(command, timestampMs) {
      return sessionCommand(clientId, this.next(), command, timestampMs);
    },
  };
}

/** sessionCommand builds the entry for sequence `sequence` of client `clientId`. */
export function sessionCommand<Command>(clientId: string, sequence: number, command: Command, timestampMs: number): SessionClientCommand<Command> {
  return { type: 'command', clientId, sequence, timestampMs, command };
}

/** idempotentCommand builds an entry deduplicated by `idempotencyKey` and checked by `requestHash`. */
export function idempotentCommand<Command>(idempotencyKey: string, requestHash: string, command: Command, timestampMs: number): IdempotentCommand<Command> {
  return { type: 'command', idempotencyKey, requestHash, timestampMs, command };
}

/** untrackedCommand builds an entry applied every time, with no deduplication. */
export function untrackedCommand<Command>(command: Command, timestampMs: number): UntrackedCommand<Command> {
  return { type: 'command', timestampMs, command };
}

/** sessionTick builds an entry that only moves session time forward (so idle sessions expire). */
export function sessionTick(timestampMs: number): SessionTick {
  return { type: 'tick', timestampMs };
}

/** withTimestamp copies `entry` with a new `timestampMs`, for a retry proposed by a new leader. */
export function withTimestamp<Entry extends SessionCommand<unknown>>(entry: Entry, timestampMs: number): Entry {
  return { ...entry, timestampMs };
}
