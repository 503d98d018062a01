import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { allocatePackedEntries, packEntries, packedTransfers } from './packed-entries.js';
import type { PackedEntries } from './worker-protocol.js';

/** fill writes entries index 7.., term 3, alternating types, whose data is `count - position` bytes of `position`. */
function fill(packed: PackedEntries): void {
  const count = packed.indexes.length;
  let offset = 0;
  for (let position = 0; position < count; position++) {
    packed.indexes[position] = 7 + position;
    packed.terms[position] = 3;
    packed.types[position] = position % 2;
    packed.offsets[position] = offset;
    packed.data.fill(position, offset, offset + count - position);
    offset += count - position;
  }
  packed.offsets[count] = offset;
}

describe('PackedEntries in one buffer', () => {
  it('lays the five arrays out in one buffer, without overlap, the float arrays 8-byte aligned', () => {
    const packed = allocatePackedEntries(5, 15);
    const arrays = [packed.indexes, packed.terms, packed.offsets, packed.types, packed.data];
    expect(new Set(arrays.map((array) => array.buffer)).size).toBe(1);
    expect([packed.indexes.length, packed.terms.length, packed.offsets.length, packed.types.length, packed.data.length]).toEqual([5, 5, 6, 5, 15]);
    for (const floats of [packed.indexes, packed.terms, packed.offsets]) expect(floats.byteOffset % 8).toBe(0);
    // Each array starts where the one before it ends, and the last one ends with the buffer.
    for (let position = 1; position < arrays.length; position++) {
      expect(arrays[position]!.byteOffset).toBe(arrays[position - 1]!.byteOffset + arrays[position - 1]!.byteLength);
    }
    expect(packed.data.byteOffset + packed.data.byteLength).toBe(packed.data.buffer.byteLength);
  });

  it('holds no entries for a count of zero', () => {
    const packed = allocatePackedEntries(0, 0);
    expect(packed.indexes.length + packed.terms.length + packed.types.length + packed.data.length).toBe(0);
    expect(packed.offsets.length).toBe(1);
  });

  it('crosses a MessagePort as one transferred buffer, every value intact', async () => {
    const packed = allocatePackedEntries(4, 10);
    fill(packed);
    const expected = { indexes: [...packed.indexes], terms: [...packed.terms], types: [...packed.types], offsets: [...packed.offsets], data: [...packed.data] };
    const transfers = packedTransfers(packed);
    expect(transfers).toHaveLength(1);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<PackedEntries>((resolve) => port2.once('message', resolve));
    port1.postMessage(packed, transfers);
    const arrived = await received;
    port1.close();
    // Transferred, not copied: the sender's views are detached.
    expect(packed.data.length).toBe(0);
    expect({ indexes: [...arrived.indexes], terms: [...arrived.terms], types: [...arrived.types], offsets: [...arrived.offsets], data: [...arrived.data] }).toEqual(expected);
    expect(new Set([arrived.indexes.buffer, arrived.terms.buffer, arrived.types.buffer, arrived.offsets.buffer, arrived.data.buffer]).size).toBe(1);
  });

  it('lists each distinct buffer once for arrays built separately (a repeated transfer is refused)', () => {
    const shared = new ArrayBuffer(16);
    const packed: PackedEntries = { indexes: new Float64Array(shared, 0, 1), terms: new Float64Array(shared, 8, 1), types: new Uint8Array(1), offsets: new Float64Array(2), data: new Uint8Array(0) };
    expect(packedTransfers(packed)).toHaveLength(4);
  });

  it('packEntries copies each entry, its type from typeCode, into one buffer the caller may then change', () => {
    const source = [
      { index: 7, term: 2, data: Uint8Array.of(1, 2, 3), kind: 'normal' },
      { index: 8, term: 3, data: new Uint8Array(0), kind: 'config' },
      { index: 9, term: 3, data: Uint8Array.of(9), kind: 'normal' },
    ];
    const packed = packEntries(source, (entry) => (entry.kind === 'config' ? 1 : 0));
    source[0]!.data[0] = 99;
    expect([[...packed.indexes], [...packed.terms], [...packed.types], [...packed.offsets], [...packed.data]]).toEqual([[7, 8, 9], [2, 3, 3], [0, 1, 0], [0, 3, 3, 4], [1, 2, 3, 9]]);
    expect(packedTransfers(packed)).toHaveLength(1);
  });
});
