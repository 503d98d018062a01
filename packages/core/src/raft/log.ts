import type { Entry, SnapshotMeta } from './types.js';

/**
 * RaftLog is the in-memory log of one node: entries after the last snapshot, the commit index,
 * and how far the log is durable.
 *
 * The runtime keeps the whole uncompacted log in memory after `load()` (docs/architecture.md), so every
 * lookup here is an array access. `persistedIndex` is the last index known to be on disk AND equal
 * to the in-memory entry: a truncation lowers it at once, `persisted(seq)` raises it.
 */
const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

export class RaftLog {
  /** Index and term of the last entry covered by the snapshot (0, 0 when none). */
  snapshotIndex: number;
  snapshotTerm: number;
  /** entries[i] has index snapshotIndex + 1 + i. */
  private entries: Entry[];
  /** Highest index known committed. */
  committed: number;
  /** Highest index durable on this node and matching memory. */
  persistedIndex: number;

  constructor(snapshot: SnapshotMeta | undefined, entries: readonly Entry[], committed: number) {
    this.snapshotIndex = snapshot?.index ?? 0;
    this.snapshotTerm = snapshot?.term ?? 0;
    // Storage may return entries the snapshot already covers; keep only the tail.
    this.entries = entries.filter((entry) => entry.index > this.snapshotIndex);
    for (let i = 0; i < this.entries.length; i++) {
      if (this.entries[i]!.index !== this.snapshotIndex + 1 + i) {
        throw new Error(`log is not contiguous after snapshot ${this.snapshotIndex}: entry ${i} has index ${this.entries[i]!.index}`);
      }
    }
    this.persistedIndex = this.lastIndex();
    this.committed = Math.min(Math.max(committed, this.snapshotIndex), this.lastIndex());
  }

  /** firstIndex is the first index still held in the log (snapshotIndex + 1). */
  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? this.snapshotTerm : last.term;
  }

  /** term returns the term at `index`, or undefined when it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex) return undefined;
    return this.entries[index - this.snapshotIndex - 1]?.term;
  }

  entry(index: number): Entry | undefined {
    return index > this.snapshotIndex ? this.entries[index - this.snapshotIndex - 1] : undefined;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /**
   * isUpToDate: the candidate's log (lastIndex, lastTerm) is at least as up-to-date as ours:
   * a later last term wins, equal terms compare length (§5.4.1).
   */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * slice returns entries in [from, to) with at most `maxCount` entries and `maxBytes` payload
   * bytes, but always at least one entry when the range is not empty, so an oversized entry still
   * makes progress. Their payload bytes are left in `sliceBytes`. The returned array MUST NOT be
   * modified: the same range asked for again (the leader slicing for each follower in turn) gets
   * the same array while the log is unchanged.
   */
  slice(from: number, to: number, maxCount: number, maxBytes: number): readonly Entry[] {
    const start = from - this.snapshotIndex - 1;
    const end = Math.min(to - this.snapshotIndex - 1, this.entries.length, start + maxCount);
    if (start < 0) throw new Error(`slice(${from}) below the first index ${this.firstIndex()}`);
    if (end <= start) {
      this.sliceBytes = 0;
      return NO_ENTRIES;
    }
    let bytes = this.entries[start]!.data.byteLength;
    let stop = start + 1;
    while (stop < end) {
      const next = bytes + this.entries[stop]!.data.byteLength;
      if (next > maxBytes) break;
      bytes = next;
      stop++;
    }
    this.sliceBytes = bytes;
    if (this.isLastSlice(start, stop)) return this.lastSliceEntries;
    const entries = this.entries.slice(start, stop);
    this.rememberSlice(start + this.snapshotIndex, entries);
    return entries;
  }

  /**
   * range returns the entries in [from, to), all of them (to apply, not to send: no limits). Like
   * `slice`, the array MUST NOT be modified: it may be the one `slice` or `append` last saw.
   */
  range(from: number, to: number): readonly Entry[] {
    const start = from - this.snapshotIndex - 1;
    if (start < 0) throw new Error(`range(${from}) below the first index ${this.firstIndex()}`);
    const end = Math.min(to - this.snapshotIndex - 1, this.entries.length);
    if (this.isLastSlice(start, end)) return this.lastSliceEntries;
    return this.entries.slice(start, end);
  }

  /** Payload bytes of the entries the last `slice` returned. */
  sliceBytes = 0;
  /**
   * The last slice (or appended array) and the index just before its first entry, valid while
   * `version` is unchanged. Three fields rather than an object: append sets them for every write.
   */
  private lastSliceEntries: readonly Entry[] = NO_ENTRIES;
  private lastSliceStart = -1;
  private lastSliceVersion = -1;

  /** isLastSlice: the remembered slice is exactly positions [start, end) of the current entries. */
  private isLastSlice(start: number, end: number): boolean {
    return this.lastSliceVersion === this.version && this.lastSliceStart === start + this.snapshotIndex && this.lastSliceEntries.length === end - start;
  }

  private rememberSlice(start: number, entries: readonly Entry[]): void {
    this.lastSliceEntries = entries;
    this.lastSliceStart = start;
    this.lastSliceVersion = this.version;
  }
  /** Bumped by every change to the entries (append, truncate, compact, restore). */
  private version = 0;

  /**
   * append adds entries at the end; the caller guarantees they follow lastIndex, and MUST NOT
   * modify the array afterwards: it is remembered as the last slice, so the leader sends, and
   * every node applies, the very array it appended (one entry at a time, the common case, costs
   * no further array).
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    this.version++;
    const start = this.entries.length + this.snapshotIndex;
    for (const entry of entries) this.entries.push(entry);
    this.rememberSlice(start, entries);
  }

  /**
   * findConflict returns the index of the first entry in `entries` whose term differs from ours,
   * or that we do not have; 0 when we already hold all of them (§5.3: "If an existing entry
   * conflicts with a new one (same index but different terms)...").
   */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (entry.index <= this.snapshotIndex) continue;
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * truncateFrom deletes every entry at or after `index` and lowers persistedIndex to match.
   * Committed entries MUST never be truncated; the caller checks.
   */
  truncateFrom(index: number): void {
    this.version++;
    this.entries.length = Math.max(0, index - this.snapshotIndex - 1);
    if (this.persistedIndex >= index) this.persistedIndex = index - 1;
  }

  /**
   * findConflictByTerm returns the largest index ≤ `index` whose term is ≤ `term`: the fast
   * backtracking hint (etcd-raft's findConflictByTerm, thesis §5.3 optimisation).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (;;) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
      i--;
    }
  }

  /** compactTo drops entries up to and including `index` (the snapshot now covers them). */
  compactTo(index: number, term: number): void {
    if (index <= this.snapshotIndex) return;
    this.version++;
    const drop = Math.min(index - this.snapshotIndex, this.entries.length);
    this.entries.splice(0, drop);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    if (this.entries.length === 0 || this.entries[0]!.index !== index + 1) this.entries = [];
    this.persistedIndex = Math.max(this.persistedIndex, index);
  }

  /** restore replaces the whole log with the state of a snapshot. */
  restore(meta: SnapshotMeta): void {
    this.version++;
    this.entries = [];
    this.snapshotIndex = meta.index;
    this.snapshotTerm = meta.term;
    this.committed = meta.index;
    this.persistedIndex = meta.index;
  }
}
