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
import { nextTurn } from '../next-turn.js';

const MAGIC = [0x52, 0x4b, 0x56, 0x31]; // "RKV1"
const MAGIC_V2 = [0x52, 0x4b, 0x56, 0x32]; // "RKV2"
const HEADER_BYTES = 12;

/** KvTimeState is what RKV2 adds: the leader clock and the expiries. */
export interface KvTimeState {
  readonly clockMs: number;
  readonly expiries: ReadonlyMap<string, number>;
}
/**
 * Records are written into chunks of about this many bytes (a record larger than that gets a
 * chunk of its own size). Storage writes about one chunk per transaction, and the stream lets
 * the event loop run between chunks, so no chunk holds the node's other work up for long.
 */
const CHUNK_BYTES = 256 * 1024;

/** KvSnapshotError: the bytes are not a KV snapshot (truncated, damaged, another format). */
export class KvSnapshotError extends Error {
  override readonly name = 'KvSnapshotError';
  readonly code = 'INVALID_SNAPSHOT';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * encodeKvSnapshot streams `entries` (captured by the caller, in any order; they are sorted here,
 * in place) in the snapshot format. The work happens as the stream is read, a chunk per
 * event-loop turn: encoding 10,000 keys in one go (and sorting them when the snapshot was taken)
 * blocked a node's event loop for 40-70 ms at every snapshot, which was the tail of its write
 * latency.
 */
export function encodeKvSnapshot(lastIndex: number, entries: [string, Uint8Array][], time?: KvTimeState): AsyncIterable<Uint8Array> {
  const timed = time !== undefined && (time.clockMs !== 0 || time.expiries.size > 0);
  return (async function* () {
    entries.sort(byKey);
    const writer = new ChunkWriter();
    writer.reserve(HEADER_BYTES + 8);
    writer.bytes(timed ? MAGIC_V2 : MAGIC);
    writer.u32(Math.floor(lastIndex / 2 ** 32));
    writer.u32(lastIndex >>> 0);
    if (timed) writer.f64(time.clockMs);
    for (const [key, value] of entries) {
      // A UTF-16 code unit takes at most 3 UTF-8 bytes.
      const most = 8 + key.length * 3 + value.byteLength + 8;
      if (writer.reserve(most)) {
        yield writer.take();
        await nextTurn();
        writer.reserve(most);
      }
      writer.key(key);
      writer.u32(value.byteLength);
      writer.bytes(value);
      if (timed) writer.f64(time.expiries.get(key) ?? 0);
    }
    if (writer.length > 0) yield writer.take();
  })();
}

/** byKey orders records by key, in UTF-16 code units (keys are unique). */
const byKey = ([left]: [string, Uint8Array], [right]: [string, Uint8Array]): number => (left < right ? -1 : 1);

/** ChunkWriter writes records into one reused buffer and hands out each full chunk as a copy. */
class ChunkWriter {
  private buffer = new Uint8Array(CHUNK_BYTES);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  /** reserve makes room for `bytes` more; true when the chunk so far must be taken first. */
  reserve(bytes: number): boolean {
    if (this.length + bytes <= this.buffer.byteLength) return false;
    if (this.length > 0) return true;
    this.buffer = new Uint8Array(Math.max(CHUNK_BYTES, bytes));
    this.view = new DataView(this.buffer.buffer);
    return false;
  }

  /** take returns the chunk written so far (its own copy) and starts the next. */
  take(): Uint8Array {
    const chunk = this.buffer.slice(0, this.length);
    this.length = 0;
    if (this.buffer.byteLength > CHUNK_BYTES) {
      // Grown for one large record: the next chunks are of the usual size again.
      this.buffer = new Uint8Array(CHUNK_BYTES);
      this.view = new DataView(this.buffer.buffer);
    }
    return chunk;
  }

  u32(value: number): void {
    this.view.setUint32(this.length, value);
    this.length += 4;
  }

  f64(value: number): void {
    this.view.setFloat64(this.length, value);
    this.length += 8;
  }

  bytes(bytes: ArrayLike<number>): void {
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /**
   * key writes the key's UTF-8 length and bytes. An ASCII key (the usual case) is copied a code
   * unit at a time: `encodeInto` needs a subarray per key, and for 10,000 short keys that was
   * most of a snapshot's encoding time. Any other key is encoded whole by `encodeInto`.
   */
  key(key: string): void {
    const buffer = this.buffer;
    const start = this.length + 4;
    let written = 0;
    while (written < key.length) {
      const code = key.charCodeAt(written);
      if (code >= 0x80) break;
      buffer[start + written] = code;
      written++;
    }
    if (written < key.length) written = encoder.encodeInto(key, buffer.subarray(start)).written;
    this.view.setUint32(this.length, written);
    this.length += 4 + written;
  }
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
