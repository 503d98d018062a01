/**
 * ByteWriter and ByteReader: the little binary encoding session snapshots use. Integers are
 * big-endian u8/u32, numbers float64 (sequences and timestamps may pass 2^32), byte strings a u32
 * length then the bytes, text UTF-8 as a byte string. Only Uint8Array, DataView and TextEncoder:
 * the core runs on any JavaScript host.
 */
import { SessionSnapshotError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** ByteWriter appends values to a growing buffer. */
export class ByteWriter {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  u8(value: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, value);
    this.length += 1;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value);
    this.length += 4;
  }

  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value);
    this.length += 8;
  }

  /** bytes writes a u32 length, then `value`. */
  bytes(value: Uint8Array): void {
    this.u32(value.byteLength);
    this.reserve(value.byteLength);
    this.buffer.set(value, this.length);
    this.length += value.byteLength;
  }

  /** text writes `value` as UTF-8 bytes. */
  text(value: string): void {
    this.bytes(encoder.encode(value));
  }

  /** finish returns what was written (a view of the writer's buffer: write no more after it). */
  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(size: number): void {
    if (this.length + size <= this.buffer.byteLength) return;
    let capacity = this.buffer.byteLength * 2;
    while (capacity < this.length + size) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}

/**
 * ByteReader reads what a ByteWriter wrote. Reading past the end or invalid UTF-8 throws
 * SessionSnapshotError CORRUPT_SNAPSHOT: the bytes come from storage or a peer.
 */
export class ByteReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(private readonly buffer: Uint8Array) {
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  /** remaining is how many bytes are left to read. */
  get remaining(): number {
    return this.buffer.byteLength - this.offset;
  }

  u8(): number {
    this.need(1);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  f64(): number {
    this.need(8);
    const value = this.view.getFloat64(this.offset);
    this.offset += 8;
    return value;
  }

  /** bytes reads a u32 length, then that many bytes (a view of the reader's buffer). */
  bytes(): Uint8Array {
    const length = this.u32();
    this.need(length);
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  text(): string {
    const bytes = this.bytes();
    try {
      return decoder.decode(bytes);
    } catch (error) {
      throw new SessionSnapshotError('CORRUPT_SNAPSHOT', 'invalid UTF-8 text', { cause: error });
    }
  }

  private need(size: number): void {
    if (size > this.remaining) {
      throw new SessionSnapshotError('CORRUPT_SNAPSHOT', `needed ${size} more bytes at offset ${this.offset}, ${this.remaining} left`);
    }
  }
}
