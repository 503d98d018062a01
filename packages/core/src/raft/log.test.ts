import { describe, expect, it } from 'vitest';
import { RaftLog } from './log.js';
import type { Entry } from './types.js';

const NO_CONFIG = { voters: [], outgoingVoters: [], learners: [] };

/** entries builds entries from `first` on, one per term given, each with `size` payload bytes. */
function entries(first: number, terms: readonly number[], size = 1): Entry[] {
  return terms.map((term, i) => ({ index: first + i, term, type: 'normal', data: new Uint8Array(size) }));
}

describe('RaftLog.slice', () => {
  const log = new RaftLog(undefined, entries(1, [1, 1, 1, 1, 1], 10), 0);

  it('returns [from, to) when no limit binds', () => {
    expect(log.slice(2, 5, 100, 1000).map((e) => e.index)).toEqual([2, 3, 4]);
  });

  it('caps the count at maxCount', () => {
    expect(log.slice(1, 6, 2, 1000).map((e) => e.index)).toEqual([1, 2]);
  });

  it('stops before the entry that would pass maxBytes', () => {
    expect(log.slice(1, 6, 100, 25).map((e) => e.index)).toEqual([1, 2]);
    expect(log.slice(1, 6, 100, 30).map((e) => e.index)).toEqual([1, 2, 3]);
  });

  it('reports the payload bytes of what it returned', () => {
    log.slice(1, 6, 100, 25);
    expect(log.sliceBytes).toBe(20);
    log.slice(3, 3, 100, 1000);
    expect(log.sliceBytes).toBe(0);
  });

  it('answers the same range with the same array until the log changes, then with the new entries', () => {
    const changing = new RaftLog(undefined, entries(1, [1, 1, 1], 10), 0);
    const first = changing.slice(2, 4, 100, 1000);
    expect(changing.slice(2, 4, 100, 1000)).toBe(first);
    expect(changing.slice(2, 3, 100, 1000)).not.toBe(first);
    changing.truncateFrom(3);
    changing.append(entries(3, [2], 10));
    const after = changing.slice(2, 4, 100, 1000);
    expect(after).not.toBe(first);
    expect(after.map((e) => e.term)).toEqual([1, 2]);
    expect(first.map((e) => e.term)).toEqual([1, 1]);
  });

  it('range returns every entry in [from, to), past any byte limit', () => {
    expect(log.range(2, 6).map((e) => e.index)).toEqual([2, 3, 4, 5]);
    expect(log.range(3, 99).map((e) => e.index)).toEqual([3, 4, 5]);
  });

  it('slice and range hand back the array just appended while the log is unchanged, and never a stale one', () => {
    const growing = new RaftLog(undefined, entries(1, [1, 1], 10), 0);
    const appended = entries(3, [1, 1], 10);
    growing.append(appended);
    // The leader sends, and then applies, the very array it appended: no copy per write.
    expect(growing.slice(3, 5, 100, 1000)).toBe(appended);
    expect(growing.range(3, 5)).toBe(appended);
    // Any other range, or a limit that cuts it, is a fresh copy with the right entries.
    expect(growing.range(3, 4)).not.toBe(appended);
    expect(growing.range(2, 5).map((e) => e.index)).toEqual([2, 3, 4]);
    expect(growing.slice(3, 5, 1, 1000).map((e) => e.index)).toEqual([3]);
    // After a truncation and a different tail, the same range answers with the new entries.
    growing.truncateFrom(4);
    const replaced = entries(4, [2], 10);
    growing.append(replaced);
    expect(growing.range(3, 5).map((e) => [e.index, e.term])).toEqual([
      [3, 1],
      [4, 2],
    ]);
    expect(growing.range(4, 5)).toBe(replaced);
    // After a compaction the positions shift: the remembered array is not reused for them.
    growing.compactTo(2, 1);
    expect(growing.range(3, 5).map((e) => [e.index, e.term])).toEqual([
      [3, 1],
      [4, 2],
    ]);
    expect(growing.range(4, 5)).not.toBe(replaced);
    expect(growing.range(4, 5).map((e) => e.term)).toEqual([2]);
  });

  it('returns one entry even when that entry alone is over maxBytes', () => {
    expect(log.slice(3, 6, 100, 1).map((e) => e.index)).toEqual([3]);
  });

  it('caps `to` at the end of the log and returns nothing for an empty range', () => {
    expect(log.slice(4, 99, 100, 1000).map((e) => e.index)).toEqual([4, 5]);
    expect(log.slice(6, 7, 100, 1000)).toEqual([]);
    expect(log.slice(3, 3, 100, 1000)).toEqual([]);
  });

  it('throws below the first index after a snapshot', () => {
    const compacted = new RaftLog({ index: 3, term: 1, config: NO_CONFIG }, entries(4, [1, 1]), 0);
    expect(() => compacted.slice(3, 5, 10, 10)).toThrow(/below the first index 4/);
    expect(compacted.slice(4, 6, 10, 10).map((e) => e.index)).toEqual([4, 5]);
  });
});

describe('RaftLog.findConflict', () => {
  // Terms by index: 1:1 2:1 3:2 4:2 5:3
  const log = new RaftLog(undefined, entries(1, [1, 1, 2, 2, 3]), 0);

  it('returns 0 when every entry is already held with the same term', () => {
    expect(log.findConflict(entries(2, [1, 2, 2]))).toBe(0);
    expect(log.findConflict([])).toBe(0);
  });

  it('returns the first index whose term differs', () => {
    expect(log.findConflict(entries(3, [2, 4, 4]))).toBe(4);
  });

  it('returns the first index past the end when the rest is new', () => {
    expect(log.findConflict(entries(4, [2, 3, 3, 3]))).toBe(6);
  });

  it('skips entries the snapshot already covers', () => {
    const compacted = new RaftLog({ index: 3, term: 2, config: NO_CONFIG }, entries(4, [2, 3]), 0);
    expect(compacted.findConflict(entries(2, [9, 9, 2, 3]))).toBe(0);
  });
});

describe('RaftLog.findConflictByTerm', () => {
  // Terms by index: 1:1 2:1 3:2 4:2 5:4
  const log = new RaftLog(undefined, entries(1, [1, 1, 2, 2, 4]), 0);

  it('returns the largest index at or below `index` whose term is at most `term`', () => {
    expect(log.findConflictByTerm(5, 3)).toEqual({ index: 4, term: 2 });
    expect(log.findConflictByTerm(5, 4)).toEqual({ index: 5, term: 4 });
    expect(log.findConflictByTerm(4, 1)).toEqual({ index: 2, term: 1 });
  });

  it('caps `index` at the last index', () => {
    expect(log.findConflictByTerm(9, 9)).toEqual({ index: 5, term: 4 });
  });

  it('falls back to index 0 (term 0) when every entry has a later term', () => {
    expect(log.findConflictByTerm(5, 0)).toEqual({ index: 0, term: 0 });
  });

  it('stops at the snapshot: a compacted index reports term 0', () => {
    const compacted = new RaftLog({ index: 3, term: 2, config: NO_CONFIG }, entries(4, [3, 4]), 0);
    expect(compacted.findConflictByTerm(5, 2)).toEqual({ index: 3, term: 2 });
    expect(compacted.findConflictByTerm(5, 1)).toEqual({ index: 2, term: 0 });
  });
});

describe('RaftLog.truncateFrom', () => {
  it('deletes the tail and lowers persistedIndex below the cut', () => {
    const log = new RaftLog(undefined, entries(1, [1, 1, 1, 1, 1]), 0);
    expect(log.persistedIndex).toBe(5);
    log.truncateFrom(4);
    expect(log.lastIndex()).toBe(3);
    expect(log.persistedIndex).toBe(3);
    expect(log.entry(4)).toBeUndefined();
  });

  it('leaves a persistedIndex already below the cut alone', () => {
    const log = new RaftLog(undefined, entries(1, [1, 1, 1, 1, 1]), 0);
    log.persistedIndex = 2;
    log.truncateFrom(4);
    expect(log.lastIndex()).toBe(3);
    expect(log.persistedIndex).toBe(2);
  });

  it('truncates relative to the snapshot', () => {
    const log = new RaftLog({ index: 10, term: 3, config: NO_CONFIG }, entries(11, [3, 3, 3]), 0);
    log.truncateFrom(12);
    expect(log.lastIndex()).toBe(11);
    expect(log.persistedIndex).toBe(11);
    expect(log.lastTerm()).toBe(3);
  });
});

describe('RaftLog.isUpToDate', () => {
  // Last entry: index 3, term 2.
  const log = new RaftLog(undefined, entries(1, [1, 2, 2]), 0);

  it('grants a later last term even with a shorter log (§5.4.1)', () => {
    expect(log.isUpToDate(1, 3)).toBe(true);
  });

  it('with the same last term, grants an equal or longer log and refuses a shorter one', () => {
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(4, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
  });

  it('refuses an earlier last term even with a longer log', () => {
    expect(log.isUpToDate(10, 1)).toBe(false);
  });

  it('an empty log accepts anything, including another empty log', () => {
    const empty = new RaftLog(undefined, [], 0);
    expect(empty.isUpToDate(0, 0)).toBe(true);
  });
});

describe('RaftLog construction', () => {
  it('drops entries the snapshot covers, marks the rest durable and caps commit at the last index', () => {
    const log = new RaftLog({ index: 2, term: 1, config: NO_CONFIG }, entries(1, [1, 1, 1, 2]), 9);
    expect(log.firstIndex()).toBe(3);
    expect(log.lastIndex()).toBe(4);
    expect(log.term(2)).toBe(1);
    expect(log.term(1)).toBeUndefined();
    expect(log.persistedIndex).toBe(4);
    expect(log.committed).toBe(4);
  });

  it('rejects a log with a hole', () => {
    expect(() => new RaftLog(undefined, [...entries(1, [1]), ...entries(3, [1])], 0)).toThrow(/not contiguous/);
  });
});
