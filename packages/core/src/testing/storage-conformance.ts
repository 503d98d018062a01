/**
 * The Storage conformance suite: what every `Storage` implementation MUST do, as tests any
 * implementation can run against itself (openraft's `testing/log/suite.rs` is the model).
 * MemoryStorage's behaviour is the reference.
 *
 * ```ts
 * import { describe, expect, it } from 'vitest';
 * import { describeStorageConformance } from '@raftkit/core/testing';
 *
 * describeStorageConformance({ describe, it, expect }, {
 *   name: 'MyStorage',
 *   async create() {
 *     const location = await makeTemporaryLocation();
 *     return { storage: openMyStorage(location), reopen: () => openMyStorage(location), dispose: () => remove(location) };
 *   },
 * });
 * ```
 *
 * The core has no runtime dependencies, so the test framework's functions come in as an argument
 * (`ConformanceFramework`, shared with the Transport suite).
 */
import type { Entry, HardState, SnapshotMeta } from '../raft/types.js';
import type { LoadedState, Storage } from '../storage/storage.js';
import type { ConformanceFramework } from './transport-conformance.js';

/** StorageFixture is one fresh, empty storage location under test. */
export interface StorageFixture {
  /** A storage over a fresh, empty location. */
  readonly storage: Storage;
  /**
   * reopen opens the same location again, as a restarted process would; it is called after
   * `close()`. A durable implementation opens a new instance; MemoryStorage returns itself.
   */
  reopen(): Storage | Promise<Storage>;
  /** dispose runs after the test, once every storage it opened is closed (delete files here). */
  dispose?(): void | Promise<void>;
}

/** StorageHarness builds the storages under test. */
export interface StorageHarness {
  /** name appears in the test titles. */
  readonly name: string;
  /** create returns a fresh fixture for each test. */
  create(): StorageFixture | Promise<StorageFixture>;
}

const EMPTY: HardState = { term: 0, vote: null, commit: 0 };
const CONFIG = { voters: ['a', 'b', 'c'], outgoingVoters: [], learners: ['d'] };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function entry(index: number, term: number, text = `${index}@${term}`): Entry {
  return { index, term, type: 'normal', data: encoder.encode(text) };
}

/** EntryView is an entry in a form `toEqual` compares the same whatever the byte container. */
interface EntryView {
  index: number;
  term: number;
  type: string;
  data: number[];
}

function view(entries: readonly Entry[]): EntryView[] {
  return entries.map((e) => ({ index: e.index, term: e.term, type: e.type, data: Array.from(e.data) }));
}

function positions(entries: readonly Entry[]): string[] {
  return entries.map((e) => `${e.index}@${e.term}`);
}

async function* chunksOf(...parts: Array<string | Uint8Array>): AsyncIterable<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? encoder.encode(part) : part;
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<number[]> {
  const bytes: number[] = [];
  for await (const chunk of chunks) for (const byte of chunk) bytes.push(byte);
  return bytes;
}

/** rejection answers whether `promise` rejected with an Error (it never throws). */
async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof Error ? 'rejected with an Error' : 'rejected with a non-Error';
  }
}

/**
 * describeStorageConformance registers the suite with `framework`. `harness.create` makes a fresh
 * fixture per test; the suite closes every storage it opened, then calls `dispose`.
 */
export function describeStorageConformance(framework: ConformanceFramework, harness: StorageHarness): void {
  const { describe, it, expect } = framework;

  /** using runs `body` with a fresh fixture, then closes every storage and disposes of the fixture. */
  const using = (body: (storage: Storage, reopen: () => Promise<Storage>) => Promise<void>) => async () => {
    const fixture = await harness.create();
    const opened: Storage[] = [fixture.storage];
    const reopen = async () => {
      const storage = await fixture.reopen();
      opened.push(storage);
      return storage;
    };
    try {
      await body(fixture.storage, reopen);
    } finally {
      for (const storage of opened) await storage.close().catch(() => undefined);
      await fixture.dispose?.();
    }
  };

  const expectLoaded = (loaded: LoadedState, expected: { hardState: HardState; snapshot?: SnapshotMeta; entries: readonly Entry[] }) => {
    expect(loaded.hardState).toEqual(expected.hardState);
    expect(loaded.snapshot).toEqual(expected.snapshot);
    expect(view(loaded.entries)).toEqual(view(expected.entries));
  };

  describe(`${harness.name} (Storage conformance)`, () => {
    it(
      'load() of an empty store answers term 0, no vote, commit 0, no snapshot and no entries',
      using(async (storage) => {
        const loaded = await storage.load();
        expect(loaded.hardState).toEqual(EMPTY);
        expect(loaded.snapshot).toBe(undefined);
        expect(loaded.entries).toEqual([]);
      }),
    );

    it(
      'append then load returns the same entries (normal and config, empty and binary data) and hard state',
      using(async (storage) => {
        const binary = new Uint8Array(4096).map((_, position) => (position * 31) % 256);
        const entries: Entry[] = [
          { index: 1, term: 1, type: 'config', data: new Uint8Array([0, 255, 0, 1]) },
          { index: 2, term: 1, type: 'normal', data: new Uint8Array(0) },
          { index: 3, term: 2, type: 'normal', data: binary },
        ];
        await storage.append(entries, { hardState: { term: 2, vote: 'node-b', commit: 2 } });
        expectLoaded(await storage.load(), { hardState: { term: 2, vote: 'node-b', commit: 2 }, entries });
      }),
    );

    it(
      'truncateFrom deletes the tail from that index before the new entries are written',
      using(async (storage) => {
        await storage.append([entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1)], {});
        await storage.append([entry(3, 2)], { truncateFrom: 3 });
        expect(positions((await storage.load()).entries)).toEqual(['1@1', '2@1', '3@2']);
        await storage.append([], { truncateFrom: 2, hardState: { term: 2, vote: null, commit: 1 } });
        expectLoaded(await storage.load(), { hardState: { term: 2, vote: null, commit: 1 }, entries: [entry(1, 1)] });
      }),
    );

    it(
      'an append starting inside the log overwrites from its first entry on, without truncateFrom',
      using(async (storage) => {
        await storage.append([entry(1, 1), entry(2, 1), entry(3, 1)], {});
        await storage.append([entry(2, 3)], {});
        expect(positions((await storage.load()).entries)).toEqual(['1@1', '2@3']);
      }),
    );

    it(
      'an append that would leave a hole or is not contiguous is refused, changes nothing (not even the hard state) and blocks nothing',
      using(async (storage) => {
        await storage.append([entry(1, 1)], { hardState: { term: 1, vote: null, commit: 0 } });
        expect(await rejection(storage.append([entry(3, 1)], { hardState: { term: 9, vote: 'x', commit: 1 } }))).toBe('rejected with an Error');
        expect(await rejection(storage.append([entry(2, 1), entry(4, 1)], { hardState: { term: 9, vote: 'x', commit: 1 } }))).toBe('rejected with an Error');
        expectLoaded(await storage.load(), { hardState: { term: 1, vote: null, commit: 0 }, entries: [entry(1, 1)] });
        await storage.append([entry(2, 1)], {});
        expect(positions((await storage.load()).entries)).toEqual(['1@1', '2@1']);
      }),
    );

    it(
      'appends issued without awaiting complete in call order and all land, hard states included',
      using(async (storage) => {
        const completed: number[] = [];
        const writes: Array<Promise<void>> = [];
        for (let index = 1; index <= 40; index++) {
          writes.push(storage.append([entry(index, 1)], { hardState: { term: 1, vote: 'a', commit: index - 1 } }).then(() => void completed.push(index)));
          // A hard-state-only write between two appends keeps its place too.
          if (index % 10 === 0) writes.push(storage.append([], { hardState: { term: 1, vote: 'a', commit: index } }).then(() => void completed.push(-index)));
        }
        await Promise.all(writes);
        const expected: number[] = [];
        for (let index = 1; index <= 40; index++) expected.push(...(index % 10 === 0 ? [index, -index] : [index]));
        expect(completed).toEqual(expected);
        const loaded = await storage.load();
        expect(loaded.hardState).toEqual({ term: 1, vote: 'a', commit: 40 });
        expect(positions(loaded.entries)).toEqual(Array.from({ length: 40 }, (_, position) => `${position + 1}@1`));
      }),
    );

    it(
      'a hard state alone (an append with no entries) is stored and leaves the log as it was',
      using(async (storage) => {
        await storage.append([entry(1, 1), entry(2, 1)], { hardState: { term: 1, vote: 'a', commit: 0 } });
        await storage.append([], { hardState: { term: 5, vote: 'c', commit: 2 } });
        expectLoaded(await storage.load(), { hardState: { term: 5, vote: 'c', commit: 2 }, entries: [entry(1, 1), entry(2, 1)] });
        await storage.append([], { hardState: { term: 6, vote: null, commit: 2 } });
        expect((await storage.load()).hardState).toEqual({ term: 6, vote: null, commit: 2 });
      }),
    );

    it(
      'append copies its input: changing the entries or hard state after the call changes nothing stored',
      using(async (storage) => {
        const data = encoder.encode('original');
        const hardState = { term: 1, vote: 'a', commit: 1 };
        const written = storage.append([{ index: 1, term: 1, type: 'normal', data }], { hardState });
        data.fill(0);
        hardState.term = 99;
        await written;
        const loaded = await storage.load();
        expect(decoder.decode(loaded.entries[0]?.data)).toBe('original');
        expect(loaded.hardState).toEqual({ term: 1, vote: 'a', commit: 1 });
      }),
    );

    it(
      'saveSnapshot over a log holding its last entry drops the covered entries, keeps the tail and raises commit',
      using(async (storage) => {
        await storage.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)], { hardState: { term: 2, vote: null, commit: 1 } });
        const meta: SnapshotMeta = { index: 3, term: 2, config: CONFIG };
        await storage.saveSnapshot(meta, chunksOf('ab', 'c'));
        expectLoaded(await storage.load(), { hardState: { term: 2, vote: null, commit: 3 }, snapshot: meta, entries: [entry(4, 2)] });
        // The log continues after the kept tail.
        await storage.append([entry(5, 2)], {});
        expect(positions((await storage.load()).entries)).toEqual(['4@2', '5@2']);
      }),
    );

    it(
      'saveSnapshot that does not match the log (another term at its index) drops the whole log',
      using(async (storage) => {
        await storage.append([entry(1, 1), entry(2, 1), entry(3, 1)], { hardState: { term: 5, vote: null, commit: 3 } });
        await storage.saveSnapshot({ index: 2, term: 5, config: CONFIG }, chunksOf('s'));
        const loaded = await storage.load();
        expect(loaded.entries).toEqual([]);
        // Commit is already past the snapshot: it is not lowered.
        expect(loaded.hardState).toEqual({ term: 5, vote: null, commit: 3 });
        // The log restarts right after the snapshot.
        await storage.append([entry(3, 5)], {});
        expect(positions((await storage.load()).entries)).toEqual(['3@5']);
      }),
    );

    it(
      'saveSnapshot ahead of the log (a follower installing a snapshot) leaves an empty log that continues at snapshot + 1',
      using(async (storage) => {
        await storage.append([entry(1, 1), entry(2, 1)], { hardState: { term: 3, vote: 'b', commit: 1 } });
        await storage.saveSnapshot({ index: 10, term: 3, config: CONFIG }, chunksOf('state'));
        expectLoaded(await storage.load(), { hardState: { term: 3, vote: 'b', commit: 10 }, snapshot: { index: 10, term: 3, config: CONFIG }, entries: [] });
        expect(await rejection(storage.append([entry(12, 3)], {}))).toBe('rejected with an Error');
        await storage.append([entry(11, 3)], {});
        expect(positions((await storage.load()).entries)).toEqual(['11@3']);
      }),
    );

    it(
      'entries an append carries at or below the snapshot index are ignored; truncating at or below it is refused',
      using(async (storage) => {
        await storage.append([entry(1, 1), entry(2, 1), entry(3, 1)], {});
        await storage.saveSnapshot({ index: 2, term: 1, config: CONFIG }, chunksOf('s'));
        await storage.append([entry(2, 1), entry(3, 1), entry(4, 1)], {});
        expect(positions((await storage.load()).entries)).toEqual(['3@1', '4@1']);
        expect(await rejection(storage.append([], { truncateFrom: 2 }))).toBe('rejected with an Error');
        expect(positions((await storage.load()).entries)).toEqual(['3@1', '4@1']);
      }),
    );

    it(
      'readSnapshot is undefined without a snapshot, then returns the saved meta and bytes; a newer save replaces them',
      using(async (storage) => {
        expect(await storage.readSnapshot()).toBe(undefined);
        const binary = new Uint8Array(70_000).map((_, position) => (position * 7) % 251);
        const meta: SnapshotMeta = { index: 4, term: 2, config: { voters: ['a'], outgoingVoters: ['a', 'b'], learners: [], addresses: { a: 'host-a:1' } } };
        await storage.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)], {});
        await storage.saveSnapshot(meta, chunksOf('head', binary, new Uint8Array(0), 'tail'));
        const stored = await storage.readSnapshot();
        expect(stored?.meta).toEqual(meta);
        expect(await readAll(stored!.chunks)).toEqual([...encoder.encode('head'), ...binary, ...encoder.encode('tail')]);
        const newer: SnapshotMeta = { index: 4, term: 2, config: CONFIG };
        await storage.saveSnapshot(newer, chunksOf('second'));
        const replaced = await storage.readSnapshot();
        expect(replaced?.meta).toEqual(newer);
        expect(decoder.decode(new Uint8Array(await readAll(replaced!.chunks)))).toBe('second');
      }),
    );

    it(
      'a saveSnapshot whose chunk stream fails is refused, changes nothing and blocks nothing',
      using(async (storage) => {
        await storage.append([entry(1, 1), entry(2, 1)], { hardState: { term: 1, vote: null, commit: 1 } });
        const failing = (async function* () {
          yield encoder.encode('partial');
          throw new Error('the state machine failed mid-snapshot');
        })();
        expect(await rejection(storage.saveSnapshot({ index: 2, term: 1, config: CONFIG }, failing))).toBe('rejected with an Error');
        expectLoaded(await storage.load(), { hardState: { term: 1, vote: null, commit: 1 }, entries: [entry(1, 1), entry(2, 1)] });
        expect(await storage.readSnapshot()).toBe(undefined);
        await storage.append([entry(3, 1)], {});
        expect(positions((await storage.load()).entries)).toEqual(['1@1', '2@1', '3@1']);
      }),
    );

    it(
      'appends called while a snapshot streams its chunks all land, and the snapshot keeps the log after it',
      using(async (storage) => {
        await storage.append([entry(1, 1), entry(2, 1), entry(3, 1)], { hardState: { term: 1, vote: null, commit: 2 } });
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const slow = (async function* () {
          yield encoder.encode('slow ');
          await gate;
          yield encoder.encode('snapshot');
        })();
        const saved = storage.saveSnapshot({ index: 2, term: 1, config: CONFIG }, slow);
        // Storage MAY complete these before the save (its place is when its last chunk is read).
        const appended = [storage.append([entry(4, 1)], {}), storage.append([entry(5, 1)], { hardState: { term: 1, vote: null, commit: 4 } })];
        release();
        await Promise.all([saved, ...appended]);
        expectLoaded(await storage.load(), { hardState: { term: 1, vote: null, commit: 4 }, snapshot: { index: 2, term: 1, config: CONFIG }, entries: [entry(3, 1), entry(4, 1), entry(5, 1)] });
        expect(decoder.decode(new Uint8Array(await readAll((await storage.readSnapshot())!.chunks)))).toBe('slow snapshot');
      }),
    );

    it(
      'snapshot saves land in call order among themselves: the stored snapshot never moves back',
      using(async (storage) => {
        await storage.append([entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1)], { hardState: { term: 1, vote: null, commit: 4 } });
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const slowOlder = (async function* () {
          await gate;
          yield encoder.encode('older');
        })();
        const older = storage.saveSnapshot({ index: 2, term: 1, config: CONFIG }, slowOlder);
        const newer = storage.saveSnapshot({ index: 4, term: 1, config: CONFIG }, chunksOf('newer'));
        release();
        await Promise.all([older, newer]);
        expectLoaded(await storage.load(), { hardState: { term: 1, vote: null, commit: 4 }, snapshot: { index: 4, term: 1, config: CONFIG }, entries: [] });
        expect(decoder.decode(new Uint8Array(await readAll((await storage.readSnapshot())!.chunks)))).toBe('newer');
      }),
    );

    it(
      'compact deletes entries up to upTo only when a snapshot covers them',
      using(async (storage) => {
        await storage.append([entry(1, 1), entry(2, 1), entry(3, 1)], {});
        expect(await rejection(storage.compact(1))).toBe('rejected with an Error');
        expect(positions((await storage.load()).entries)).toEqual(['1@1', '2@1', '3@1']);
        await storage.saveSnapshot({ index: 2, term: 1, config: CONFIG }, chunksOf('s'));
        await storage.compact(2);
        expect(positions((await storage.load()).entries)).toEqual(['3@1']);
        expect(await rejection(storage.compact(3))).toBe('rejected with an Error');
        expect(positions((await storage.load()).entries)).toEqual(['3@1']);
      }),
    );

    it(
      'close waits for earlier writes, and reopening keeps the hard state, log, snapshot and snapshot bytes',
      using(async (storage, reopen) => {
        const meta: SnapshotMeta = { index: 2, term: 1, config: CONFIG };
        await storage.append([entry(1, 1), entry(2, 1), entry(3, 2)], { hardState: { term: 2, vote: 'a', commit: 1 } });
        await storage.saveSnapshot(meta, chunksOf('snap', 'shot'));
        // Not awaited: close MUST still let these land first.
        void storage.append([entry(4, 2, 'last')], { hardState: { term: 2, vote: 'a', commit: 3 } });
        void storage.compact(2);
        await storage.close();
        const reopened = await reopen();
        expectLoaded(await reopened.load(), { hardState: { term: 2, vote: 'a', commit: 3 }, snapshot: meta, entries: [entry(3, 2), entry(4, 2, 'last')] });
        const stored = await reopened.readSnapshot();
        expect(decoder.decode(new Uint8Array(await readAll(stored!.chunks)))).toBe('snapshot');
        // And it keeps working.
        await reopened.append([entry(5, 2)], {});
        expect(positions((await reopened.load()).entries)).toEqual(['3@2', '4@2', '5@2']);
      }),
    );
  });
}
