import { describe, expect, it } from 'vitest';
import { SessionSnapshotError } from './errors.js';
import { frameSnapshot, readFramedSnapshot } from './snapshot-format.js';
import { collect, concat, stream } from './test-support/counting-machine.js';

const bytes = (text: string) => new TextEncoder().encode(text);
/** table is what frameSnapshot takes for the table: a function that encodes it when first read. */
const table = (text: string) => () => Promise.resolve(bytes(text));

describe('session snapshot framing', () => {
  it('gives back the table and the inner chunks as written, whatever chunks the bytes arrive in', async () => {
    const written = concat(await collect(frameSnapshot(table('table'), stream(bytes('abcdefgh'), 3))));
    for (const size of [1, 4, 1000]) {
      const read = await readFramedSnapshot(stream(written, size));
      expect(new TextDecoder().decode(read.table)).toBe('table');
      expect(read.inner.map((chunk) => new TextDecoder().decode(chunk))).toEqual(['abc', 'def', 'gh']);
    }
  });

  it('keeps an empty inner chunk and an inner machine with no chunks', async () => {
    const none = await readFramedSnapshot(frameSnapshot(table('t'), stream(new Uint8Array(0))));
    expect(none.inner).toEqual([]);
    const empty = await readFramedSnapshot(
      frameSnapshot(
        table('t'),
        (async function* () {
          yield new Uint8Array(0);
        })(),
      ),
    );
    expect(empty.inner.map((chunk) => chunk.byteLength)).toEqual([0]);
  });

  it('refuses a stream whose end frame counts a different number of inner chunks', async () => {
    const written = concat(await collect(frameSnapshot(table('t'), stream(bytes('abcdef'), 3))));
    // Drop the second inner frame (9 + 3 bytes) but keep the end frame that counts two.
    const cut = concat([written.subarray(0, written.byteLength - 13 - 12), written.subarray(written.byteLength - 13)]);
    const error = await readFramedSnapshot(stream(cut)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionSnapshotError);
    expect(error).toMatchObject({ code: 'CORRUPT_SNAPSHOT', message: 'CORRUPT_SNAPSHOT: end frame names 2 inner chunks, found 1' });
  });
});
