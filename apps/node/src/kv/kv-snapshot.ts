/**
 * The KV snapshot format, streamed in chunks so a large store never needs one big buffer:
 *
 *   "RKV1"  u64 lastIndex (big-endian, as two u32)  then per key, sorted by key:
 *   u32 key length, key UTF-8 bytes, u32 value length, value bytes
 *
 * A store that has used expiry (the Redis-protocol commands) is written as "RKV2": the same
 * header followed by f64 clockMs (the leader clock of kv-string-ops.ts), and each record followed
 * by f64 expiresAtMs (0 = no expiry). A store that never did is still written as RKV1, and both
 * are read, so snapshots of older nodes keep restoring.
 *
 * Equal states give byte-identical snapshots on every node (keys sorted). A snapshot that does
 * not parse exactly is refused with KvSnapshotError, and the old state is kept.
 */

import { copyBytes } from '@raftkit/core';

const MAGIC = [0x52, 0x4b, 0x56, 0x31]; // "RKV1"
const MAGIC_V2 = [0x52, 0x4b, 0x56, 0x32]; // "RKV2"
const HEADER_BYTES = 12;

/** KvTimeState is what RKV2 adds: the leader clock and the expiries. */
export interface KvTimeState {
  readonly clockMs: number;
  readonly expiries: ReadonlyMap<string, number>;
}
/** Records are gathered into chunks of about this many bytes. */
const CHUNK_BYTES = 1024 * 1024;

/** KvSnapshotError: the bytes are not a KV snapshot (truncated, damaged, another format). */
export class KvSnapshotError extends Error {
  override readonly name = 'KvSnapshotError';
  readonly code = 'INVALID_SNAPSHOT';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** encodeKvSnapshot streams `entries` (captured by the caller) in the snapshot format. */
export function encodeKvSnapshot(lastIndex: number, entries: readonly (readonly [string, Uint8Array])[], time?: KvTimeState): AsyncIterable<Uint8Array> {
  const timed = time !== undefined && (time.clockMs !== 0 || time.expiries.size > 0);
  return (async function* () {
    const header = new Uint8Array(HEADER_BYTES + (timed ? 8 : 0));
    header.set(timed ? MAGIC_V2 : MAGIC, 0);
    const view = new DataView(header.buffer);
    view.setUint32(4, Math.floor(lastIndex / 2 ** 32));
    view.setUint32(8, lastIndex >>> 0);
    if (timed) view.setFloat64(HEADER_BYTES, time.clockMs);
    let parts: Uint8Array[] = [header];
    let size = header.byteLength;
    for (const [key, value] of entries) {
      const keyBytes = encoder.encode(key);
      const record = new Uint8Array(8 + keyBytes.byteLength + value.byteLength + (timed ? 8 : 0));
      const recordView = new DataView(record.buffer);
      recordView.setUint32(0, keyBytes.byteLength);
      record.set(keyBytes, 4);
      recordView.setUint32(4 + keyBytes.byteLength, value.byteLength);
      record.set(value, 8 + keyBytes.byteLength);
      if (timed) recordView.setFloat64(8 + keyBytes.byteLength + value.byteLength, time.expiries.get(key) ?? 0);
      parts.push(record);
      size += record.byteLength;
      if (size >= CHUNK_BYTES) {
        yield join(parts, size);
        parts = [];
        size = 0;
      }
    }
    if (size > 0) yield join(parts, size);
  })();
}

/** decodeKvSnapshot reads a whole snapshot (RKV1 or RKV2). Throws KvSnapshotError. */
export async function decodeKvSnapshot(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ lastIndex: number; entries: [string, Uint8Array][]; clockMs: number; expiries: Map<string, number> }> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += chunk.byteLength;
  }
  const bytes = join(parts, size);
  const v1 = bytes.byteLength >= HEADER_BYTES && MAGIC.every((byte, position) => bytes[position] === byte);
  const v2 = bytes.byteLength >= HEADER_BYTES + 8 && MAGIC_V2.every((byte, position) => bytes[position] === byte);
  if (!v1 && !v2) throw new KvSnapshotError('not a KV snapshot (no RKV1 header, nor RKV2)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lastIndex = view.getUint32(4) * 2 ** 32 + view.getUint32(8);
  const entries: [string, Uint8Array][] = [];
  const expiries = new Map<string, number>();
  const clockMs = v2 ? view.getFloat64(HEADER_BYTES) : 0;
  if (!Number.isFinite(clockMs)) throw new KvSnapshotError('the KV snapshot clock is not a finite number');
  let offset = HEADER_BYTES + (v2 ? 8 : 0);
  const take = (what: string): Uint8Array => {
    if (offset + 4 > bytes.byteLength) throw new KvSnapshotError(`truncated KV snapshot: no ${what} length at byte ${offset}`);
    const length = view.getUint32(offset);
    offset += 4;
    if (offset + length > bytes.byteLength) throw new KvSnapshotError(`truncated KV snapshot: ${what} of ${length} bytes at byte ${offset}`);
    // Its own copy: a view would keep the whole snapshot alive while any value from it lives.
    const slice = copyBytes(bytes.subarray(offset, offset + length));
    offset += length;
    return slice;
  };
  while (offset < bytes.byteLength) {
    let key: string;
    try {
      key = decoder.decode(take('key'));
    } catch (error) {
      if (error instanceof KvSnapshotError) throw error;
      throw new KvSnapshotError(`a key in the KV snapshot is not UTF-8 (byte ${offset})`);
    }
    entries.push([key, take('value')]);
    if (v2) {
      if (offset + 8 > bytes.byteLength) throw new KvSnapshotError(`truncated KV snapshot: no expiry at byte ${offset}`);
      const expiresAt = view.getFloat64(offset);
      offset += 8;
      if (!Number.isFinite(expiresAt) || expiresAt < 0) throw new KvSnapshotError(`a KV snapshot expiry is not a valid time (byte ${offset - 8})`);
      if (expiresAt > 0) expiries.set(key, expiresAt);
    }
  }
  return { lastIndex, entries, clockMs, expiries };
}

function join(parts: readonly Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.byteLength === size) return parts[0]!;
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}
