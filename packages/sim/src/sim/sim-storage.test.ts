import { createVirtualClock, type Entry } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { SimRandom } from './random.js';
import { SimDisk } from './sim-disk.js';
import { SimStorage } from './sim-storage.js';

const entry = (index: number, term: number, text = `${index}@${term}`): Entry => ({ index, term, type: 'normal', data: new TextEncoder().encode(text) });

/** A SimRandom that always draws `value`: int(min, max) is then min (0) or max (0.999). */
const fixed = (value: number) => new SimRandom(() => value);

function settled(promise: Promise<unknown>): { done: boolean } {
  const state = { done: false };
  void promise.then(() => {
    state.done = true;
  });
  return state;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SimStorage', () => {
  it('lands each write after its delay, in call order, and resolves only then', async () => {
    const clock = createVirtualClock();
    const disk = new SimDisk();
    // Delays alternate 8 ms then 1 ms: the second write is due first but must wait for the first.
    let draw = 0;
    const random = new SimRandom(() => (draw++ % 2 === 0 ? 0.999 : 0));
    const storage = new SimStorage({ disk, clock, random, faults: { minDelayMs: 1, maxDelayMs: 8, stallChance: 0, stallMs: 0 } });
    const first = settled(storage.append([entry(1, 1)], { hardState: { term: 1, vote: null, commit: 0 } }));
    const second = settled(storage.append([entry(2, 1)], { hardState: { term: 1, vote: null, commit: 1 } }));
    expect(storage.pendingWrites).toBe(2);
    clock.advance(7);
    await flush();
    expect([first.done, second.done, disk.lastIndex()]).toEqual([false, false, 0]);
    clock.advance(1);
    await flush();
    // Both land at 8 ms, the first before the second.
    expect([first.done, second.done, disk.lastIndex(), disk.hardState.commit]).toEqual([true, true, 2, 1]);
  });

  it('a crash lands a random prefix of the queued writes, loses the rest, and never settles their promises', async () => {
    const clock = createVirtualClock();
    const disk = new SimDisk();
    // Every draw is 0.5: each write takes int(1, 8) = 4 ms, and the crash keeps int(0, 3) = 2 of the 3 queued.
    const storage = new SimStorage({ disk, clock, random: fixed(0.5), faults: { minDelayMs: 1, maxDelayMs: 8, stallChance: 0, stallMs: 0 } });
    const writes = [1, 2, 3].map((index) => settled(storage.append([entry(index, 1)], { hardState: { term: 1, vote: null, commit: 0 } })));
    const report = storage.crash();
    expect(report).toEqual({ landed: 2, lost: 1 });
    expect(disk.entries.map((held) => held.index)).toEqual([1, 2]);
    const late = settled(storage.append([entry(3, 1)], {}));
    clock.advance(100);
    await flush();
    expect([...writes, late].map((write) => write.done)).toEqual([false, false, false, false]);
    expect(disk.lastIndex()).toBe(2);
  });

  it('a new SimStorage over the same disk (a restart) loads exactly what landed before the crash', async () => {
    const clock = createVirtualClock();
    const disk = new SimDisk();
    // Every draw is 0: writes take 1 ms and a crash keeps none of the queued writes.
    const before = new SimStorage({ disk, clock, random: fixed(0) });
    const landed = before.append([entry(1, 1)], { hardState: { term: 1, vote: null, commit: 1 } });
    clock.advance(1);
    await landed;
    void before.append([entry(2, 2)], { hardState: { term: 2, vote: 'n2', commit: 1 } });
    expect(before.crash()).toEqual({ landed: 0, lost: 1 });
    const loaded = await new SimStorage({ disk, clock, random: fixed(0) }).load();
    expect(loaded.hardState).toEqual({ term: 1, vote: null, commit: 1 });
    expect(loaded.entries.map((held) => `${held.index}@${held.term}`)).toEqual(['1@1']);
  });

  it('loads the durable state once writes land, truncating a conflicting tail atomically', async () => {
    const clock = createVirtualClock();
    const disk = new SimDisk();
    const storage = new SimStorage({ disk, clock, random: fixed(0) });
    const written = Promise.all([
      storage.append([entry(1, 1), entry(2, 1), entry(3, 1)], { hardState: { term: 1, vote: null, commit: 1 } }),
      storage.append([entry(2, 2)], { truncateFrom: 2, hardState: { term: 2, vote: 'n1', commit: 1 } }),
    ]);
    clock.advance(1);
    await written;
    const loaded = await new SimStorage({ disk, clock, random: fixed(0) }).load();
    expect(loaded.hardState).toEqual({ term: 2, vote: 'n1', commit: 1 });
    expect(loaded.entries.map((held) => `${held.index}@${held.term}`)).toEqual(['1@1', '2@2']);
  });

  it('rejects an append that would leave a hole, and reports every written entry with the term before it', async () => {
    const clock = createVirtualClock();
    const seen: string[] = [];
    const storage = new SimStorage({ disk: new SimDisk(), clock, random: fixed(0), entryWritten: (written, previousTerm) => seen.push(`${written.index}@${written.term} after ${previousTerm}`) });
    void storage.append([entry(1, 1), entry(2, 3)], {});
    void storage.append([entry(2, 4)], { truncateFrom: 2 });
    await expect(storage.append([entry(5, 4)], {})).rejects.toThrow('append: entry 5 would leave a hole after 2');
    expect(seen).toEqual(['1@1 after 0', '2@3 after 1', '2@4 after 1']);
  });

  it('copies entries at call time, so a caller mutating them later does not change the disk', async () => {
    const clock = createVirtualClock();
    const disk = new SimDisk();
    const storage = new SimStorage({ disk, clock, random: fixed(0) });
    const mutable = entry(1, 1, 'a');
    const written = storage.append([mutable], {});
    mutable.data[0] = 'z'.charCodeAt(0);
    clock.advance(1);
    await written;
    expect(new TextDecoder().decode(disk.entries[0]!.data)).toBe('a');
  });

  it('saveSnapshot takes its place in call order once its chunks are read, keeps only the log that continues it, and compact deletes only what it covers', async () => {
    const clock = createVirtualClock();
    const disk = new SimDisk();
    // Every write lands 1 ms after it is queued; each chunk is read 1 ms after the last.
    const storage = new SimStorage({ disk, clock, random: fixed(0), faults: { minDelayMs: 1, maxDelayMs: 1, stallChance: 0, stallMs: 0 } });
    void storage.append([entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 2)], { hardState: { term: 2, vote: null, commit: 4 } });
    const chunks = () =>
      (async function* () {
        yield new TextEncoder().encode('state');
      })();
    const saved = settled(storage.saveSnapshot({ index: 3, term: 1, config: { voters: ['a'], outgoingVoters: [], learners: [] } }, chunks()));
    // Called while the snapshot's bytes are still being read: it lands first.
    const appended = settled(storage.append([entry(5, 2)], {}));
    // The snapshot is not in the queue yet, so nothing covers 3.
    await expect(storage.compact(3)).rejects.toThrow('compact(3): only entries a snapshot covers (up to 0) may be deleted');
    await flush();
    clock.advance(1);
    await flush();
    expect([appended.done, saved.done, disk.snapshotIndex(), disk.lastIndex()]).toEqual([true, false, 0, 5]);
    // Read (2 ms: one chunk, then the end of the stream), it queues and lands 1 ms later.
    for (let ms = 0; ms < 2; ms++) {
      clock.advance(1);
      await flush();
    }
    await expect(storage.compact(4)).rejects.toThrow('compact(4): only entries a snapshot covers (up to 3) may be deleted');
    void storage.compact(3);
    clock.advance(1);
    await flush();
    expect(saved.done).toBe(true);
    expect(disk.snapshotIndex()).toBe(3);
    expect(disk.entries.map((held) => `${held.index}@${held.term}`)).toEqual(['4@2', '5@2']);
    const stored = await storage.readSnapshot();
    const bytes: Uint8Array[] = [];
    for await (const chunk of stored!.chunks) bytes.push(chunk);
    expect(new TextDecoder().decode(bytes[0])).toBe('state');
    // A snapshot whose last entry the log does not hold replaces the whole log.
    void storage.saveSnapshot({ index: 6, term: 3, config: { voters: ['a'], outgoingVoters: [], learners: [] } }, chunks());
    for (let ms = 0; ms < 4; ms++) {
      await flush();
      clock.advance(1);
      await flush();
    }
    expect([disk.snapshotIndex(), disk.lastIndex(), disk.entries.length]).toEqual([6, 6, 0]);
  });
});
