import { describe, expect, it } from 'vitest';
import { decodeKvSnapshot, encodeKvSnapshot } from './kv-snapshot.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** store builds `count` keys (some with multi-byte characters) in a scrambled order. */
function store(count: number): [string, Uint8Array][] {
  const entries: [string, Uint8Array][] = [];
  for (let position = 0; position < count; position++) {
    const number = (position * 7919) % count;
    entries.push([`key-${number}${number % 7 === 0 ? '-é€😀' : ''}`, bytes(`value ${number} `.repeat(1 + (number % 9)))]);
  }
  return entries;
}

async function read(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

describe('KV snapshot encoding', () => {
  it('round-trips every key, value and expiry, sorted by key whatever order they came in', async () => {
    const entries = store(3000);
    entries.push(['huge', new Uint8Array(600 * 1024).fill(9)]);
    const expiries = new Map([[entries[5]![0], 1234]]);
    const chunks = await read(encodeKvSnapshot(2 ** 40 + 7, entries.map(([key, value]) => [key, value]), { clockMs: 99, expiries }));
    const decoded = await decodeKvSnapshot((async function* () { yield* chunks; })());
    const sorted = [...entries].sort(([left], [right]) => (left < right ? -1 : 1));
    expect(decoded.lastIndex).toBe(2 ** 40 + 7);
    expect(decoded.entries.map(([key]) => key)).toEqual(sorted.map(([key]) => key));
    expect(decoded.entries.every(([key, value], position) => key === sorted[position]![0] && Buffer.from(value).equals(Buffer.from(sorted[position]![1])))).toBe(true);
    expect([decoded.clockMs, [...decoded.expiries]]).toEqual([99, [[entries[5]![0], 1234]]]);
  });

  it('gives byte-identical snapshots for equal states, in chunks of at most 256 KiB (a larger record alone)', async () => {
    const entries = store(5000);
    entries.push(['huge', new Uint8Array(600 * 1024).fill(9)]);
    const forward = await read(encodeKvSnapshot(3, [...entries]));
    const backward = await read(encodeKvSnapshot(3, [...entries].reverse()));
    expect(Buffer.concat(forward).equals(Buffer.concat(backward))).toBe(true);
    const sizes = forward.map((chunk) => chunk.byteLength);
    // The large record ("huge": key length, key, value length, value) has a chunk of its own.
    expect(sizes.filter((size) => size > 256 * 1024)).toEqual([4 + 4 + 4 + 600 * 1024]);
    expect(sizes.length).toBeGreaterThan(3);
  });

  it('lets the event loop run between chunks, so encoding a large store never blocks it in one go', async () => {
    const stream = encodeKvSnapshot(3, store(20_000))[Symbol.asyncIterator]();
    let turns = 0;
    let chunks = 0;
    const ticking = setInterval(() => turns++, 0);
    try {
      while (!(await stream.next()).done) chunks++;
    } finally {
      clearInterval(ticking);
    }
    expect(chunks).toBeGreaterThan(2);
    // A timer can only fire between chunks; with one synchronous pass it would never have.
    expect(turns).toBeGreaterThanOrEqual(1);
  });
});
