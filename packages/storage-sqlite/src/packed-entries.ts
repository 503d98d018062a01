/**
 * The layout of PackedEntries in memory: all five arrays are views of ONE ArrayBuffer, so a call
 * or a load crosses the thread boundary as a single transferred buffer.
 *
 * Five buffers cost five transfers: V8 detaches and re-wraps each one, and allocating them is a
 * malloc each. Measured on the project's machine, posting one append with its entries in five
 * buffers took 15-18 µs of CPU, in one buffer 5.5-7.6 µs, and every node posts one such call for
 * every turn that appends (on a follower, on the path of every write).
 *
 *   [ indexes: f64 × n ][ terms: f64 × n ][ offsets: f64 × (n + 1) ][ types: u8 × n ][ data ]
 *
 * The 8-byte arrays come first, so each starts on an 8-byte boundary as a Float64Array must.
 */
import type { PackedEntries } from './worker-protocol.js';

/** allocatePackedEntries makes zeroed PackedEntries for `count` entries of `dataBytes` payload bytes in all. */
export function allocatePackedEntries(count: number, dataBytes: number): PackedEntries {
  const floatBytes = Float64Array.BYTES_PER_ELEMENT;
  const buffer = new ArrayBuffer(floatBytes * (3 * count + 1) + count + dataBytes);
  let offset = 0;
  const indexes = new Float64Array(buffer, offset, count);
  offset += floatBytes * count;
  const terms = new Float64Array(buffer, offset, count);
  offset += floatBytes * count;
  const offsets = new Float64Array(buffer, offset, count + 1);
  offset += floatBytes * (count + 1);
  const types = new Uint8Array(buffer, offset, count);
  offset += count;
  const data = new Uint8Array(buffer, offset, dataBytes);
  return { indexes, terms, types, offsets, data };
}

/** PackableEntry is what packEntries reads of an entry: its type comes from a `typeCode` function. */
export interface PackableEntry {
  readonly index: number;
  readonly term: number;
  readonly data: Uint8Array;
}

/**
 * packEntries copies `entries` into new PackedEntries; `typeCode` gives each one's type code
 * (0 normal, 1 config). Used both ways: a call's entries to the worker, a load's rows back.
 */
export function packEntries<T extends PackableEntry>(entries: readonly T[], typeCode: (entry: T) => number): PackedEntries {
  const count = entries.length;
  let total = 0;
  for (let position = 0; position < count; position++) total += entries[position]!.data.length;
  const packed = allocatePackedEntries(count, total);
  let offset = 0;
  for (let position = 0; position < count; position++) {
    const entry = entries[position]!;
    packed.indexes[position] = entry.index;
    packed.terms[position] = entry.term;
    packed.types[position] = typeCode(entry);
    packed.offsets[position] = offset;
    packed.data.set(entry.data, offset);
    offset += entry.data.length;
  }
  packed.offsets[count] = offset;
  return packed;
}

/**
 * packedTransfers lists the buffers to transfer with `packed`: its one buffer, or, for arrays a
 * caller built separately (tests do), each distinct buffer once (a transfer list MUST NOT repeat one).
 */
export function packedTransfers(packed: PackedEntries): ArrayBuffer[] {
  const buffers = new Set([packed.indexes.buffer, packed.terms.buffer, packed.types.buffer, packed.offsets.buffer, packed.data.buffer] as ArrayBuffer[]);
  return [...buffers];
}
