/**
 * KvStateMachine: the reference node's replicated key-value store. Values are bytes; CAS compares
 * UTF-8 text. Every decision (does the CAS match?) is made here, inside apply, from the entry
 * alone, so every replica decides alike (docs/architecture.md "Deterministic state-machine decisions").
 *
 * It is wrapped in core's session state machine (see kv-machine.ts), which deduplicates retried
 * commands (Idempotency-Key, client session stamps) before they get here.
 */
import type { ApplyMeta, StateMachine } from '@raftkit/core';
import type { KvCommand, KvQuery } from '@raftkit/client';
import { keyProblem } from './keys.js';
import { decodeKvSnapshot, encodeKvSnapshot } from './kv-snapshot.js';

/** KvWriteResult answers put, delete and cas: the index the command applied at (and the CAS outcome). */
export interface KvWriteResult {
  readonly index: number;
  /** For cas: whether it matched, and the value after the command (the new one when it matched). */
  readonly cas?: { readonly ok: boolean; readonly current: string | null };
}

/** KvReadResult answers get: the value (null when absent) and the applied index it was read at. */
export interface KvReadResult {
  readonly value: Uint8Array | null;
  readonly index: number;
}

/** KvResult is any answer of the KV state machine. */
export type KvResult = KvWriteResult | KvReadResult;

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
export class KvStateMachine implements StateMachine<KvCommand, KvQuery, KvResult> {
  private values = new Map<string, Uint8Array>();
  private lastIndex = 0;

  constructor(private readonly options: KvStateMachineOptions = {}) {}

  apply(command: KvCommand, meta: ApplyMeta): KvWriteResult {
    const problem = commandProblem(command);
    // Deterministic: every replica throws alike, and the session wrapper records the message.
    if (problem !== undefined) throw new TypeError(problem);
    this.lastIndex = meta.index;
    switch (command.op) {
      case 'put':
        // A copy, so the store never pins the (larger) buffer the entry was decoded from.
        this.values.set(command.key, command.value.slice());
        return { index: meta.index };
      case 'delete':
        this.values.delete(command.key);
        return { index: meta.index };
      case 'cas': {
        const current = this.values.get(command.key);
        const matches = command.expect === null ? current === undefined : current !== undefined && sameBytes(current, encoder.encode(command.expect));
        if (!matches) return { index: meta.index, cas: { ok: false, current: current === undefined ? null : decoder.decode(current) } };
        this.values.set(command.key, encoder.encode(command.value));
        return { index: meta.index, cas: { ok: true, current: command.value } };
      }
    }
  }

  query(query: KvQuery): KvReadResult {
    const index = this.options.appliedIndex?.() ?? this.lastIndex;
    return { value: this.values.get(query.key) ?? null, index };
  }

  /** size is the number of keys present. */
  get size(): number {
    return this.values.size;
  }

  /** snapshot captures the keys NOW (the runtime may apply more before it reads the stream). */
  snapshot(): AsyncIterable<Uint8Array> {
    const entries = [...this.values].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return encodeKvSnapshot(this.lastIndex, entries);
  }

  /** restore replaces every key; on a malformed snapshot it throws and keeps the old state. */
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const restored = await decodeKvSnapshot(chunks);
    this.values = new Map(restored.entries);
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
  const problem = keyProblem(key);
  if (problem !== undefined) return problem;
  const record = command as Record<string, unknown>;
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
