/**
 * The extended string commands, applied to the KV store's state. Pure functions of the state and
 * the entry: expiry is judged against `clockMs`, the largest leader timestamp applied so far
 * (advanced here from the entry's `atMs`), never against a replica's own clock.
 */
import { copyBytes } from '@raftkit/core';
import { INT64_MAX, INT64_MIN, parseInt64, type KvExtendedCommand, type KvReply } from './kv-commands.js';

/** KvStoreState is what the KV store holds: values, absolute expiries (leader ms) and the leader clock. */
export interface KvStoreState {
  values: Map<string, Uint8Array>;
  /** Keys with a TTL: the leader wall-clock ms at which they expire. */
  expiries: Map<string, number>;
  /** The largest `atMs` applied: the time expiry is judged by. Never moves backwards. */
  clockMs: number;
}

const OK: KvReply = { type: 'ok' };
const NIL: KvReply = { type: 'nil' };
const NOT_AN_INTEGER = 'ERR value is not an integer or out of range';

/** liveValue is the value of `key` unless it is absent or expired by the store's clock. */
export function liveValue(state: KvStoreState, key: string): Uint8Array | undefined {
  const expiresAt = state.expiries.get(key);
  if (expiresAt !== undefined && expiresAt <= state.clockMs) return undefined;
  return state.values.get(key);
}

/** expireDue removes `key` if its expiry is due: called in apply only, so every replica removes it at the same entry. */
function expireDue(state: KvStoreState, key: string): void {
  const expiresAt = state.expiries.get(key);
  if (expiresAt !== undefined && expiresAt <= state.clockMs) {
    state.values.delete(key);
    state.expiries.delete(key);
  }
}

/** setValue stores `value` with no expiry (as Redis's SET and MSET do). */
export function setValue(state: KvStoreState, key: string, value: Uint8Array): void {
  // A copy, so the store never pins the (larger) buffer the entry was decoded from.
  state.values.set(key, copyBytes(value));
  state.expiries.delete(key);
}

/** removeKey deletes a key and its expiry. */
export function removeKey(state: KvStoreState, key: string): void {
  state.values.delete(key);
  state.expiries.delete(key);
}

/** applyExtended applies one extended command and answers it. Deterministic: the state and the entry decide. */
export function applyExtended(state: KvStoreState, command: KvExtendedCommand): KvReply {
  state.clockMs = Math.max(state.clockMs, command.atMs);
  switch (command.op) {
    case 'set': {
      expireDue(state, command.key);
      const previous = state.values.get(command.key);
      const allowed = command.condition === undefined || (command.condition === 'nx') === (previous === undefined);
      const answer: KvReply = command.get ? (previous === undefined ? NIL : { type: 'bytes', value: previous }) : allowed ? OK : NIL;
      if (!allowed) return answer;
      const keptExpiry = command.keepTtl ? state.expiries.get(command.key) : undefined;
      setValue(state, command.key, command.value);
      const expiresAt = command.ttlMs !== undefined ? state.clockMs + command.ttlMs : (command.expireAtMs ?? keptExpiry);
      if (expiresAt !== undefined) {
        // Redis: an expiry already in the past deletes the key (the SET still answers OK).
        if (expiresAt <= state.clockMs) removeKey(state, command.key);
        else state.expiries.set(command.key, expiresAt);
      }
      return answer;
    }
    case 'incrby': {
      expireDue(state, command.key);
      const previous = state.values.get(command.key);
      const current = previous === undefined ? 0n : parseInt64(new TextDecoder().decode(previous));
      if (current === undefined) return { type: 'error', message: NOT_AN_INTEGER };
      const next = current + BigInt(command.by);
      if (next < INT64_MIN || next > INT64_MAX) return { type: 'error', message: 'ERR increment or decrement would overflow' };
      // INCR keeps the key's expiry (Redis does too).
      state.values.set(command.key, new TextEncoder().encode(next.toString()));
      return { type: 'integer', value: next.toString() };
    }
    case 'mset':
      for (const [key, value] of command.pairs) setValue(state, key, value);
      return OK;
    case 'getdel': {
      expireDue(state, command.key);
      const previous = state.values.get(command.key);
      removeKey(state, command.key);
      return previous === undefined ? NIL : { type: 'bytes', value: previous };
    }
    case 'append': {
      expireDue(state, command.key);
      const previous = state.values.get(command.key) ?? new Uint8Array(0);
      const joined = new Uint8Array(previous.byteLength + command.value.byteLength);
      joined.set(previous, 0);
      joined.set(command.value, previous.byteLength);
      state.values.set(command.key, joined);
      return { type: 'integer', value: String(joined.byteLength) };
    }
    case 'del': {
      let removed = 0;
      for (const key of command.keys) {
        expireDue(state, key);
        if (state.values.has(key)) removed++;
        removeKey(state, key);
      }
      return { type: 'integer', value: String(removed) };
    }
    case 'read': {
      for (const key of command.keys) expireDue(state, key);
      return { type: 'values', values: command.keys.map((key) => state.values.get(key) ?? null) };
    }
    case 'sweep': {
      const due = [...state.expiries].filter(([, expiresAt]) => expiresAt <= state.clockMs).map(([key]) => key);
      for (const key of due) removeKey(state, key);
      return { type: 'integer', value: String(due.length) };
    }
  }
}
