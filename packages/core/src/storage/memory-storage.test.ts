import { describe, expect, it } from 'vitest';
import type { Entry, SnapshotMeta } from '../raft/types.js';
import { createVirtualClock } from '../runtime/clock.js';
import { createMemoryStorage } from './memory-storage.js';

const entry = (index: number, term: number, text = `${index}@${term}`): Entry => ({ index, term, type: 'normal', data: new TextEncoder().encode(text) });
const indexes = (entries: readonly Entry[]) => entries.map((e) => `${e.index}@${e.term}`);
const config = { voters: ['a'], outgoingVoters: [], learners: [] };

async function* chunks(...texts: string[]): AsyncIterable<Uint8Array> {
  for (const text of texts) yield new TextEncoder().encode(text);
}

async function flush(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('MemoryStorage', () => {
  it('loads an empty store as term 0, no vote, commit 0, no snapshot, no entries', async () => {
    await expect(createMemoryStorage().load()).resolves.toEqual({ hardState: { term: 0, vote: null, commit: 0 }, entries: [] });
  });

  it('keeps its own copy of entry data even when slice() of the given bytes is a view (as on a Node Buffer)', async () => {
    class ViewSlicing extends Uint8Array {
      override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
        return this.subarray(start, end);
      }
    }
    const frame = new ViewSlicing(64).fill(1);
    const storage = createMemoryStorage();
    await storage.append([{ index: 1, term: 1, type: 'normal', data: frame.subarray(0, 8) }], { hardState: { term: 1, vote: null, commit: 0 } });
    frame.fill(2);
    const [stored] = (await storage.load()).entries;
    expect([...stored!.data]).toEqual(new Array(8).fill(1));
    expect(stored!.data.buffer.byteLength).toBe(8);
  });

  it('completes writes in call order even when an earlier write is delayed longer than a later one', async () => {
    const delays = [30, 1, 10];
    const clock = createVirtualClock();
    const storage = createMemoryStorage({ delay: () => new Promise((resolve) => clock.setTimeout(resolve, delays.shift() ?? 0)) });
    const completed: number[] = [];
    const writes = [1, 2, 3].map((index) => storage.append([entry(index, 1)], { hardState: { term: 1, vote: null, commit: index - 1 } }).then(() => completed.push(index)));
    for (let ms = 0; ms < 50; ms++) {
      clock.advance(1);
      await flush();
    }
    await Promise.all(writes);
    expect(completed).toEqual([1, 2, 3]);
    expect((await storage.load()).hardState.commit).toBe(2);
  });

  it('with { clock, persistDelayMs } a write becomes durable only after the delay, entries and hard state together', async () => {
    const clock = createVirtualClock();
    const storage = createMemoryStorage({ clock, persistDelayMs: 7 });
    let done = false;
    void storage.append([entry(1, 1), entry(2, 1)], { hardState: { term: 1, vote: 'a', commit: 1 } }).then(() => {
      done = true;
    });
    // The delay starts when the write starts, a promise job after the call.
    await flush();
    clock.advance(6);
    await flush();
    // Not yet: neither the entries nor the hard state are visible.
    expect(done).toBe(false);
    expect(storage.durable()).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, entries: [] });
    clock.advance(1);
    await flush();
    expect(done).toBe(true);
    expect(storage.durable().hardState).toEqual({ term: 1, vote: 'a', commit: 1 });
    expect(indexes(storage.durable().entries)).toEqual(['1@1', '2@1']);
  });

  it('applies truncateFrom before writing the new entries', async () => {
    const storage = createMemoryStorage();
    await storage.append([entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1)], {});
    await storage.append([entry(3, 2)], { truncateFrom: 3 });
    expect(indexes((await storage.load()).entries)).toEqual(['1@1', '2@1', '3@2']);
    await storage.append([], { truncateFrom: 2, hardState: { term: 2, vote: null, commit: 1 } });
    expect(await storage.load()).toEqual({ hardState: { term: 2, vote: null, commit: 1 }, entries: [entry(1, 1)] });
  });

  it('overwrites the tail from the first entry of an append that starts inside the log', async () => {
    const storage = createMemoryStorage();
    await storage.append([entry(1, 1), entry(2, 1), entry(3, 1)], {});
    await storage.append([entry(2, 3)], {});
    expect(indexes((await storage.load()).entries)).toEqual(['1@1', '2@3']);
  });

  it('rejects an append that would leave a hole, changing nothing (not even the hard state)', async () => {
    const storage = createMemoryStorage();
    await storage.append([entry(1, 1)], { hardState: { term: 1, vote: null, commit: 0 } });
    await expect(storage.append([entry(3, 1)], { hardState: { term: 9, vote: 'x', commit: 1 } })).rejects.toThrow('hole');
    await expect(storage.append([entry(2, 1), entry(4, 1)], { hardState: { term: 9, vote: 'x', commit: 1 } })).rejects.toThrow('contiguous');
    expect(await storage.load()).toEqual({ hardState: { term: 1, vote: null, commit: 0 }, entries: [entry(1, 1)] });
    // A failed write does not block later ones.
    await storage.append([entry(2, 1)], {});
    expect(indexes((await storage.load()).entries)).toEqual(['1@1', '2@1']);
  });

  it('load() and durable() return copies that callers cannot use to change what is stored', async () => {
    const storage = createMemoryStorage();
    const written = entry(1, 1, 'x');
    await storage.append([written], { hardState: { term: 1, vote: null, commit: 1 } });
    (written.data as Uint8Array)[0] = 0;
    const loaded = await storage.load();
    (loaded.entries[0]!.data as Uint8Array)[0] = 0;
    loaded.entries.push(entry(2, 1));
    (loaded.hardState as { term: number }).term = 99;
    const again = await storage.load();
    expect(new TextDecoder().decode(again.entries[0]!.data)).toBe('x');
    expect(again.entries).toHaveLength(1);
    expect(again.hardState.term).toBe(1);
  });

  it('saveSnapshot keeps the log after a matching snapshot, raises commit, and readSnapshot returns its bytes', async () => {
    const storage = createMemoryStorage();
    await storage.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)], { hardState: { term: 2, vote: null, commit: 1 } });
    const meta: SnapshotMeta = { index: 3, term: 2, config };
    await storage.saveSnapshot(meta, chunks('ab', 'c'));
    expect(await storage.load()).toEqual({ hardState: { term: 2, vote: null, commit: 3 }, snapshot: meta, entries: [entry(4, 2)] });
    const stored = await storage.readSnapshot();
    expect(stored?.meta).toEqual(meta);
    let text = '';
    for await (const chunk of stored!.chunks) text += new TextDecoder().decode(chunk);
    expect(text).toBe('abc');
  });

  it('saveSnapshot drops the whole log when the snapshot does not match it', async () => {
    const storage = createMemoryStorage();
    await storage.append([entry(1, 1), entry(2, 1), entry(3, 1)], {});
    await storage.saveSnapshot({ index: 2, term: 5, config }, chunks('s'));
    expect((await storage.load()).entries).toEqual([]);
    // The log restarts right after the snapshot.
    await storage.append([entry(3, 5)], {});
    expect(indexes((await storage.load()).entries)).toEqual(['3@5']);
  });

  it('readSnapshot is undefined without a snapshot; compact deletes only entries a snapshot covers', async () => {
    const storage = createMemoryStorage();
    await expect(storage.readSnapshot()).resolves.toBeUndefined();
    await storage.append([entry(1, 1), entry(2, 1), entry(3, 1)], {});
    await expect(storage.compact(1)).rejects.toThrow('snapshot');
    await storage.saveSnapshot({ index: 2, term: 1, config }, chunks('s'));
    await storage.compact(2);
    expect(indexes((await storage.load()).entries)).toEqual(['3@1']);
  });

  it('keeps its data across close(), so a restarted node can load it again', async () => {
    const storage = createMemoryStorage();
    await storage.append([entry(1, 1)], { hardState: { term: 1, vote: 'a', commit: 1 } });
    await storage.close();
    expect(await storage.load()).toEqual({ hardState: { term: 1, vote: 'a', commit: 1 }, entries: [entry(1, 1)] });
  });
});
