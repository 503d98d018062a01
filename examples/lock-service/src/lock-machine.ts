/**
 * A distributed lock service as a raftkit state machine: named locks held under a lease, each
 * acquisition numbered by a fencing token.
 *
 * - `acquire` grants a free (or expired) lock to `owner` until `now + ttlMs` and answers a new
 *   fencing token: the lock's tokens only grow, so a resource that remembers the highest token it
 *   has seen refuses a holder whose lease ran out while it was paused (Kleppmann's fencing).
 *   Acquiring a lock one already holds renews it with the same token.
 * - `renew` extends the holder's lease; `release` frees it. Both name the token they hold, so a
 *   holder whose lease expired (and whose lock someone else took) cannot touch the new holder's.
 *
 * Time comes from the command (`now`, the client's clock in ms), never from the node: every
 * replica decides alike. Each lock keeps the largest `now` it has seen and judges expiry by it, so
 * a client whose clock runs behind cannot make an expired lease live again.
 *
 * Serve it: `raftkit start --machine ./src/lock-machine.ts ...` (the default export is the factory).
 */
import type { ApplyMeta, StateMachine } from '@raftkit/core';

/** LockCommand changes a lock. `now` is the client's clock in ms. */
export type LockCommand =
  | { readonly type: 'acquire'; readonly lock: string; readonly owner: string; readonly ttlMs: number; readonly now: number }
  | { readonly type: 'renew'; readonly lock: string; readonly owner: string; readonly token: number; readonly ttlMs: number; readonly now: number }
  | { readonly type: 'release'; readonly lock: string; readonly owner: string; readonly token: number; readonly now: number };

/** LockQuery asks who holds a lock at `now`. */
export type LockQuery = { readonly type: 'holder'; readonly lock: string; readonly now: number };

/** LockResult answers a command. */
export type LockResult =
  | { readonly ok: true; readonly token: number; readonly expiresAt: number }
  /** Refused: the lock is held by `holder` (until `expiresAt`), or the token is not the current one. */
  | { readonly ok: false; readonly holder: string | null; readonly expiresAt: number };

/** HolderResult answers a query: the holder and its token, or nulls when the lock is free. */
export type HolderResult = { readonly holder: string | null; readonly token: number | null; readonly expiresAt: number | null };

/** LockState is one lock: its holder (if any), the last token given, and the lock's clock. */
export interface LockState {
  readonly holder: string | null;
  readonly token: number;
  readonly expiresAt: number;
  /** The largest `now` any command on this lock carried. */
  readonly clock: number;
}

/** FREE is a lock nobody has taken yet. */
export const FREE: LockState = { holder: null, token: 0, expiresAt: 0, clock: 0 };

/** LockInputError: a malformed command or query; apply throws it, so the command changes nothing. */
export class LockInputError extends Error {
  override readonly name = 'LockInputError';
  readonly code = 'INVALID_LOCK_INPUT';
}

/**
 * decideLock is the whole service, for one lock: the machine applies it and the linearizability
 * model replays it, so the two cannot disagree. Pure.
 */
export function decideLock(state: LockState, command: LockCommand): { readonly state: LockState; readonly result: LockResult } {
  const clock = Math.max(state.clock, command.now);
  const held = state.holder !== null && state.expiresAt > clock;
  const refused = (): { state: LockState; result: LockResult } => ({
    state: { ...state, clock },
    result: held ? { ok: false, holder: state.holder, expiresAt: state.expiresAt } : { ok: false, holder: null, expiresAt: 0 },
  });
  switch (command.type) {
    case 'acquire': {
      if (held && state.holder !== command.owner) return refused();
      const token = held ? state.token : state.token + 1;
      const expiresAt = clock + command.ttlMs;
      return { state: { holder: command.owner, token, expiresAt, clock }, result: { ok: true, token, expiresAt } };
    }
    case 'renew': {
      if (!held || state.holder !== command.owner || state.token !== command.token) return refused();
      const expiresAt = clock + command.ttlMs;
      return { state: { ...state, expiresAt, clock }, result: { ok: true, token: state.token, expiresAt } };
    }
    case 'release': {
      if (!held || state.holder !== command.owner || state.token !== command.token) return refused();
      return { state: { holder: null, token: state.token, expiresAt: 0, clock }, result: { ok: true, token: state.token, expiresAt: clock } };
    }
  }
}

/** holderAt answers a query from a lock's state. */
export function holderAt(state: LockState, now: number): HolderResult {
  const live = state.holder !== null && state.expiresAt > Math.max(state.clock, now);
  return live ? { holder: state.holder, token: state.token, expiresAt: state.expiresAt } : { holder: null, token: null, expiresAt: null };
}

/** LockMachine keeps every lock in memory. */
export class LockMachine implements StateMachine<LockCommand, LockQuery, LockResult, HolderResult> {
  private locks = new Map<string, LockState>();

  apply(command: LockCommand, _meta: ApplyMeta): LockResult {
    checkCommand(command);
    const { state, result } = decideLock(this.locks.get(command.lock) ?? FREE, command);
    this.locks.set(command.lock, state);
    return result;
  }

  query(query: LockQuery): HolderResult {
    if (typeof query !== 'object' || query === null || query.type !== 'holder' || typeof query.lock !== 'string' || !Number.isFinite(query.now)) {
      throw new LockInputError('a query is { type: "holder", lock, now }');
    }
    return holderAt(this.locks.get(query.lock) ?? FREE, query.now);
  }

  snapshot(): AsyncIterable<Uint8Array> {
    // Captured now (the runtime keeps applying while the stream is read); sorted, so equal
    // states give equal bytes.
    const locks = [...this.locks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const bytes = new TextEncoder().encode(JSON.stringify({ version: 1, locks }));
    return (async function* () {
      yield bytes;
    })();
  }

  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of chunks) {
      parts.push(chunk);
      length += chunk.byteLength;
    }
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.byteLength;
    }
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { version?: unknown; locks?: unknown };
    if (parsed.version !== 1 || !Array.isArray(parsed.locks)) throw new LockInputError('not a lock-service snapshot (version 1)');
    // Replaced only once the whole snapshot was read and checked.
    this.locks = new Map(parsed.locks as [string, LockState][]);
  }
}

/** checkCommand throws LockInputError for a command that is not one, before anything changes. */
function checkCommand(command: LockCommand): void {
  const record = command as unknown as Record<string, unknown>;
  if (typeof record !== 'object' || record === null) throw new LockInputError('a command is an object');
  if (typeof record['lock'] !== 'string' || record['lock'] === '' || typeof record['owner'] !== 'string' || record['owner'] === '') {
    throw new LockInputError('a command names a non-empty lock and owner');
  }
  if (!Number.isFinite(record['now'])) throw new LockInputError('a command carries the client clock as a finite `now`');
  if (record['type'] !== 'release' && !(Number.isSafeInteger(record['ttlMs']) && (record['ttlMs'] as number) > 0)) throw new LockInputError('ttlMs must be a positive integer');
  if (record['type'] !== 'acquire' && !Number.isSafeInteger(record['token'])) throw new LockInputError('renew and release name the integer token they hold');
  if (record['type'] !== 'acquire' && record['type'] !== 'renew' && record['type'] !== 'release') throw new LockInputError(`unknown command type ${JSON.stringify(record['type'])}`);
}

/** createStateMachine is the factory `raftkit start --machine` calls. */
export default function createStateMachine(): LockMachine {
  return new LockMachine();
}
