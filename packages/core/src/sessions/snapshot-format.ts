/**
 * The framing of a session snapshot: the session table first, then the inner state machine's
 * chunks, each in a length-prefixed, checksummed frame, then an end frame.
 *
 *   snapshot := MAGIC "RKSS" | version u8 | frame(TABLE) | frame(INNER)* | frame(END)
 *   frame    := kind u8 | length u32 | crc32(payload) u32 | payload
 *   END      := payload = the number of INNER frames, u32
 *
 * Storage may split or join chunks as it likes (only the byte stream is kept), so the reader
 * works on bytes, and the frames give the inner state machine back its chunks as they were
 * written. The END frame and its count catch a stream cut at a frame boundary; the CRC-32 catches
 * damaged bytes.
 */
import { SessionSnapshotError } from './errors.js';
import { crc32 } from '../checksum/crc32.js';

const MAGIC = [0x52, 0x4b, 0x53, 0x53]; // "RKSS": raftkit session snapshot
/** SNAPSHOT_FORMAT_VERSION is written into every snapshot; restore refuses newer ones. */
export const SNAPSHOT_FORMAT_VERSION = 1;

const FRAME_TABLE = 1;
const FRAME_INNER = 2;
const FRAME_END = 3;
const FRAME_HEADER_BYTES = 9;

/**
 * frameSnapshot yields the first chunk (magic, version, table frame), then one frame per inner
 * chunk, then the end frame. `table` is encoded when the first chunk is read.
 */
export async function* frameSnapshot(table: () => Promise<Uint8Array>, inner: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const tableFrame = frame(FRAME_TABLE, await table());
  const first = new Uint8Array(MAGIC.length + 1 + tableFrame.byteLength);
  first.set(MAGIC, 0);
  first[MAGIC.length] = SNAPSHOT_FORMAT_VERSION;
  first.set(tableFrame, MAGIC.length + 1);
  yield first;
  let count = 0;
  for await (const chunk of inner) {
    yield frame(FRAME_INNER, chunk);
    count += 1;
  }
  const end = new Uint8Array(4);
  new DataView(end.buffer).setUint32(0, count);
  yield frame(FRAME_END, end);
}

/** FramedSnapshot is a verified snapshot: the table bytes and the inner chunks. */
export interface FramedSnapshot {
  readonly table: Uint8Array;
  readonly inner: readonly Uint8Array[];
}

/**
 * readFramedSnapshot reads and verifies the WHOLE stream before returning, so that a snapshot
 * damaged anywhere is refused before any state is touched. The price is holding the snapshot in
 * memory once while restoring. Throws SessionSnapshotError.
 */
export async function readFramedSnapshot(chunks: AsyncIterable<Uint8Array>): Promise<FramedSnapshot> {
  const bytes = await concatenate(chunks);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < MAGIC.length + 1 || MAGIC.some((byte, position) => bytes[position] !== byte)) {
    throw new SessionSnapshotError('CORRUPT_SNAPSHOT', 'not a session snapshot (bad magic)');
  }
  const version = bytes[MAGIC.length]!;
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw new SessionSnapshotError('UNSUPPORTED_SNAPSHOT_VERSION', `format version ${version}; this build reads ${SNAPSHOT_FORMAT_VERSION}`);
  }
  let offset = MAGIC.length + 1;
  let table: Uint8Array | undefined;
  const inner: Uint8Array[] = [];
  for (;;) {
    if (offset + FRAME_HEADER_BYTES > bytes.byteLength) {
      throw new SessionSnapshotError('CORRUPT_SNAPSHOT', `truncated: no end frame after ${inner.length} inner chunks`);
    }
    const kind = view.getUint8(offset);
    const length = view.getUint32(offset + 1);
    const checksum = view.getUint32(offset + 5);
    const start = offset + FRAME_HEADER_BYTES;
    if (start + length > bytes.byteLength) {
      throw new SessionSnapshotError('CORRUPT_SNAPSHOT', `truncated: a frame of ${length} bytes at offset ${offset} runs past the end`);
    }
    const payload = bytes.subarray(start, start + length);
    if (crc32(payload) !== checksum) throw new SessionSnapshotError('CORRUPT_SNAPSHOT', `checksum mismatch in the frame at offset ${offset}`);
    offset = start + length;
    if (table === undefined) {
      if (kind !== FRAME_TABLE) throw new SessionSnapshotError('CORRUPT_SNAPSHOT', `expected the session table frame first, found kind ${kind}`);
      table = payload;
    } else if (kind === FRAME_INNER) {
      inner.push(payload);
    } else if (kind === FRAME_END) {
      const count = length === 4 ? new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0) : -1;
      if (count !== inner.length) throw new SessionSnapshotError('CORRUPT_SNAPSHOT', `end frame names ${count} inner chunks, found ${inner.length}`);
      if (offset !== bytes.byteLength) throw new SessionSnapshotError('CORRUPT_SNAPSHOT', `${bytes.byteLength - offset} bytes after the end frame`);
      return { table, inner };
    } else {
      throw new SessionSnapshotError('CORRUPT_SNAPSHOT', `unknown frame kind ${kind} at offset ${offset}`);
    }
  }
}

function frame(kind: number, payload: Uint8Array): Uint8Array {
  const framed = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  const view = new DataView(framed.buffer);
  view.setUint8(0, kind);
  view.setUint32(1, payload.byteLength);
  view.setUint32(5, crc32(payload));
  framed.set(payload, FRAME_HEADER_BYTES);
  return framed;
}

async function concatenate(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    total += chunk.byteLength;
  }
  if (parts.length === 1) return parts[0]!;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}
