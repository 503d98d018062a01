/**
 * KvStateMachine: the KV store as a raftkit `StateMachine`, for the simulator and as a worked
 * example for plugin authors. Every decision goes through `applyKvCommand`, the same function the
 * linearizability checker replays.
 */
import type { ApplyMeta, StateMachine } from '@raftkit/core';
import { applyKvCommand, type KvCommand, type KvGet, type KvResult, type KvValue } from './kv-model.js';

/** KvQuery is the read the state machine answers locally. */
export type KvQuery = KvGet;

/** KV_SNAPSHOT_VERSION tags the snapshot format, so a future format can still read old ones. */
export const KV_SNAPSHOT_VERSION = 1;

/** KvSnapshotError is thrown by `restore` for bytes that are not a KV snapshot. */
export class KvSnapshotError extends Error {
  override readonly name = 'KvSnapshotError';
  readonly code = 'INVALID_SNAPSHOT';
}

/** KvStateMachine keeps every key in memory. */
export class KvStateMachine implements StateMachine<KvCommand, KvQuery, KvResult> {
  private values = new Map<string, string>();

  apply(command: KvCommand, _meta: ApplyMeta): KvResult {
    const transition = applyKvCommand(this.values.get(command.key) ?? null, command);
    if (transition.value === null) this.values.delete(command.key);
    else this.values.set(command.key, transition.value);
    return transition.result;
  }

  query(query: KvQuery): KvResult {
    return this.values.get(query.key) ?? null;
  }

  /** size is the number of keys present. */
  get size(): number {
    return this.values.size;
  }

  /**
   * snapshot serializes NOW, not when the caller iterates: the runtime takes the snapshot at the
   * applied index and may apply more entries before streaming it. Keys are sorted so equal
   * states give byte-identical snapshots on every node.
   */
  snapshot(): AsyncIterable<Uint8Array> {
    const entries = [...this.values].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    const chunk = new TextEncoder().encode(JSON.stringify({ version: KV_SNAPSHOT_VERSION, entries }));
    return (async function* () {
      yield chunk;
    })();
  }

  /** restore replaces the whole state; on invalid bytes it throws and keeps the old state. */
  async restore(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of chunks) {
      parts.push(chunk);
      length += chunk.length;
    }
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    this.values = parseSnapshot(bytes);
  }
}

/** createKvStateMachine returns an empty KV state machine. */
export function createKvStateMachine(): KvStateMachine {
  return new KvStateMachine();
}

function parseSnapshot(bytes: Uint8Array): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new KvSnapshotError(`KV snapshot is not UTF-8 JSON: ${String(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new KvSnapshotError('KV snapshot is not an object');
  const { version, entries } = parsed as { version?: unknown; entries?: unknown };
  if (version !== KV_SNAPSHOT_VERSION) throw new KvSnapshotError(`unsupported KV snapshot version ${String(version)}`);
  if (!Array.isArray(entries)) throw new KvSnapshotError('KV snapshot has no entries array');
  const values = new Map<string, string>();
  for (const entry of entries as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') {
      throw new KvSnapshotError(`KV snapshot entry is not a [key, value] pair of strings: ${JSON.stringify(entry)}`);
    }
    values.set(entry[0], entry[1]);
  }
  return values;
}

/** readKv reads one key of a KV state machine (a typed shorthand for `query`). */
export function readKv(machine: KvStateMachine, key: string): KvValue {
  return machine.query({ type: 'get', key }) as KvValue;
}
