/**
 * KvStateMachine: the reference node's replicated key-value store. Values are bytes; CAS compares
 * UTF-8 text. Every decision (does the CAS match?) is made here, inside apply, from the entry
 * alone, so every replica decides alike (docs/architecture.md "Deterministic state-machine decisions").
 *
 * It is wrapped in core's session state machine (see kv-machine.ts), which deduplicates retried
 * commands (Idempotency-Key, client session stamps) before they get here.
 */
import type { ApplyMeta, StateMachine } from '@raftkit/core';
import type { KvQuery } from '@raftkit/client';
import { extendedCommandProblem, isExtendedCommand, type KvReply, type NodeKvCommand, type NodeKvQuery } from './kv-commands.js';
import { keyProblem } from './keys.js';
import { decodeKvSnapshot, encodeKvSnapshot } from './kv-snapshot.js';
import { applyExtended, liveValue, removeKey, setValue, type KvStoreState } from './kv-string-ops.js';

/** KvWriteResult answers a write: the index the command applied at (and the CAS outcome, or an extended command's reply). */
export interface KvWriteResult {
  readonly index: number;
  /** For cas: whether it matched, and the value after the command (the new one when it matched). */
  readonly cas?: { readonly ok: boolean; readonly current: string | null };
  /** For the extended (Redis-protocol) commands: their answer. */
  readonly reply?: KvReply;
}

/** KvReadResult answers get: the value (null when absent) and the applied index it was read at. */
export interface KvReadResult {
  readonly value: Uint8Array | null;
  readonly index: number;
}

/**
 * KvManyResult answers mget: the values (null when absent) at the applied index, and whether any
 * of the keys carries a TTL (then a caller that needs expiry decided by leader time reads through
 * the log instead).
 */
export interface KvManyResult {
  readonly values: readonly (Uint8Array | null)[];
  readonly expiring: boolean;
  readonly index: number;
}

/** KvSizeResult answers dbsize: the number of keys (as Redis, keys whose expiry is due but not yet applied count). */
export interface KvSizeResult {
  readonly size: number;
  readonly index: number;
}

/** KvResult is any answer of the KV state machine. */
export type KvResult = KvWriteResult | KvReadResult | KvManyResult | KvSizeResult;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** Options for KvStateMachine. */
export interface KvStateMachineOptions {
  /**
   * appliedIndex tells `query` which applied index it reads at (the runtime's, which also counts
   * configuration and no-op entries the state machine never sees). Default: the last index applied here.
   */
  readonly appliedIndex?: () => number;
}

/** KvStateMachine keeps every key in memory. */
export class KvStateMachine implements StateMachine<NodeKvCommand, NodeKvQuery, KvResult> {
  private state: KvStoreState = { values: new Map(), expiries: new Map(), clockMs: 0 };
  private lastIndex = 0;

  constructor(private readonly options: KvStateMachineOptions = {}) {}

  apply(command: NodeKvCommand, meta: ApplyMeta): KvWriteResult {
    const problem = commandProblem(command);
    // Deterministic: every replica throws alike, and the session wrapper records the message.
    if (problem !== undefined) throw new TypeError(problem);
    this.lastIndex = meta.index;
    if (isExtendedCommand(command)) return { index: meta.index, reply: applyExtended(this.state, command) };
    switch (command.op) {
      case 'put':
        setValue(this.state, command.key, command.value);
        return { index: meta.index };
      case 'delete':
        removeKey(this.state, command.key);
        return { index: meta.index };
      case 'cas': {
        const current = liveValue(this.state, command.key);
        const matches = command.expect === null ? current === undefined : current !== undefined && sameBytes(current, encoder.encode(command.expect));
        if (!matches) return { index: meta.index, cas: { ok: false, current: current === undefined ? null : decoder.decode(current) } };
        setValue(this.state, command.key, encoder.encode(command.value));
        return { index: meta.index, cas: { ok: true, current: command.value } };
      }
    }
  }

  /** query answers a KV read (get) with its value, or null when the key is absent. */
  query(query: KvQuery): KvReadResult;
  /** query answers any read of the node's KV machine: get, mget or dbsize. */
  query(query: NodeKvQuery): KvResult;
  query(query: NodeKvQuery): KvResult {
    const index = this.options.appliedIndex?.() ?? this.lastIndex;
    switch (query.op) {
      case 'get':
        return { value: liveValue(this.state, query.key) ?? null, index };
      case 'mget':
        return { values: query.keys.map((key) => liveValue(this.state, key) ?? null), expiring: query.keys.some((key) => this.state.expiries.has(key)), index };
      case 'dbsize':
        return { size: this.state.values.size, index };
    }
  }

  /**
   * hasExpiryDue tells whether a key's expiry is at or before `nowMs`: the leader asks it, with its
   * own clock, only to decide whether to propose a sweep. What the sweep removes is decided in apply.
   */
  hasExpiryDue(nowMs: number): boolean {
    for (const expiresAt of this.state.expiries.values()) if (expiresAt <= nowMs) return true;
    return false;
  }

  /** size is the number of keys present. */
  get size(): number {
    return this.state.values.size;
  }

  /** snapshot captures the keys NOW (the runtime may apply more before it reads the stream). */
  snapshot(): AsyncIterable<Uint8Array> {
    // Captured now (values are never changed in place); sorted and encoded as storage reads it.
    return encodeKvSnapshot(this.lastIndex, [...this.state.values], { clockMs: this.state.clockMs, expiries: new Map(this.state.expiries) });
  }

  /** restore replaces every key; on a malformed snapshot it throws and keeps the old state. */
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const restored = await decodeKvSnapshot(chunks);
    this.state = { values: new Map(restored.entries), expiries: restored.expiries, clockMs: restored.clockMs };
    this.lastIndex = restored.lastIndex;
  }
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.byteLength !== right.byteLength) return false;
  for (let position = 0; position < left.byteLength; position++) if (left[position] !== right[position]) return false;
  return true;
}

/** commandProblem says why `command` is malformed, or undefined. Entries come off the wire: check at run time. */
export function commandProblem(command: unknown): string | undefined {
  if (typeof command !== 'object' || command === null) return 'a command must be an object';
  const { op, key } = command as Record<string, unknown>;
  const record = command as Record<string, unknown>;
  // Extended commands check their own keys (a sweep has none).
  if (typeof op === 'string' && isExtendedCommand({ op } as NodeKvCommand)) return extendedCommandProblem(record);
  const problem = keyProblem(key);
  if (problem !== undefined) return problem;
  switch (op) {
    case 'put':
      return record['value'] instanceof Uint8Array ? undefined : 'put needs a byte value';
    case 'delete':
      return undefined;
    case 'cas':
      if (record['expect'] !== null && typeof record['expect'] !== 'string') return 'cas needs "expect": a string or null';
      return typeof record['value'] === 'string' ? undefined : 'cas needs "value": a string';
    default:
      return `unknown op ${JSON.stringify(op)}`;
  }
}
