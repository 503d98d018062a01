/**
 * SimDisk: one node's durable state in the simulator (hard state, log, snapshot). It is what
 * survives a crash. The same class also serves as the image of "the disk once every queued write
 * has landed", which is what the node's in-memory log should look like.
 */
import { decodeConfig, type AppendOptions, type Entry, type HardState, type LoadedState, type MembershipConfig, type SnapshotMeta } from '@raftkit/core';

/** StoredSnapshot is a snapshot's meta and bytes. */
export interface StoredSnapshot {
  readonly meta: SnapshotMeta;
  readonly chunks: readonly Uint8Array[];
}

/** SimDisk holds a node's durable state; writes validate like a real Storage and are atomic. */
export class SimDisk {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  snapshot: StoredSnapshot | undefined;
  /** Entries after the snapshot, contiguous, oldest first. Entry objects are never mutated. */
  entries: Entry[] = [];

  /** The configuration last found by `config()`, and what it was found from. */
  private configCache: { readonly last: Entry | undefined; readonly snapshot: StoredSnapshot | undefined; readonly config: MembershipConfig | undefined } | undefined;

  /** clone returns an independent image (entry objects are shared: they are immutable). */
  clone(): SimDisk {
    const copy = new SimDisk();
    copy.hardState = this.hardState;
    copy.snapshot = this.snapshot;
    copy.entries = [...this.entries];
    return copy;
  }

  /** snapshotIndex is the index the stored snapshot covers (0 without one). */
  snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  /** lastIndex is the index of the last stored entry (the snapshot's when the log is empty). */
  lastIndex(): number {
    return this.snapshotIndex() + this.entries.length;
  }

  /** term at `index`: 0 for index 0, undefined when compacted away or past the end. */
  term(index: number): number | undefined {
    const snapshotIndex = this.snapshotIndex();
    if (index === snapshotIndex) return this.snapshot?.meta.term ?? 0;
    if (index < snapshotIndex) return undefined;
    return this.entries[index - snapshotIndex - 1]?.term;
  }

  /**
   * config is the configuration a node restarted from this disk would be in: that of the last
   * configuration entry (a configuration takes effect when appended, committed or not), else the
   * snapshot's, else none (an empty disk). Cached until the log or snapshot changes.
   */
  config(): MembershipConfig | undefined {
    const last = this.entries.at(-1);
    const cached = this.configCache;
    if (cached !== undefined && cached.last === last && cached.snapshot === this.snapshot) return cached.config;
    let config = this.snapshot?.meta.config;
    for (let position = this.entries.length - 1; position >= 0; position--) {
      const entry = this.entries[position]!;
      if (entry.type === 'config') {
        config = decodeConfig(entry.data);
        break;
      }
    }
    this.configCache = { last, snapshot: this.snapshot, config };
    return config;
  }

  /**
   * checkAppend throws if the append would break the Storage contract (a truncation into the
   * snapshot, a hole, non-contiguous entries); returns the index the new entries start at.
   */
  checkAppend(entries: readonly Entry[], options: AppendOptions): number {
    const snapshotIndex = this.snapshotIndex();
    let cut = this.lastIndex() + 1;
    if (options.truncateFrom !== undefined) {
      if (options.truncateFrom <= snapshotIndex) throw new Error(`append: cannot truncate from ${options.truncateFrom}, at or below snapshot ${snapshotIndex}`);
      cut = Math.min(cut, options.truncateFrom);
    }
    const fresh = entries.filter((entry) => entry.index > snapshotIndex);
    const first = fresh[0];
    if (first !== undefined) {
      if (first.index > cut) throw new Error(`append: entry ${first.index} would leave a hole after ${cut - 1}`);
      cut = first.index;
    }
    fresh.forEach((entry, position) => {
      if (entry.index !== cut + position) throw new Error(`append: entries are not contiguous at ${entry.index}`);
    });
    return cut;
  }

  /** append truncates, appends and sets the hard state in one step (validate with checkAppend first). */
  append(entries: readonly Entry[], options: AppendOptions): void {
    const cut = this.checkAppend(entries, options);
    const snapshotIndex = this.snapshotIndex();
    this.entries.length = Math.min(this.entries.length, cut - snapshotIndex - 1);
    for (const entry of entries) if (entry.index > snapshotIndex) this.entries.push(entry);
    if (options.hardState !== undefined) this.hardState = options.hardState;
  }

  /** saveSnapshot stores a snapshot and keeps the log after it only if it continues the snapshot. */
  saveSnapshot(meta: SnapshotMeta, chunks: readonly Uint8Array[]): void {
    const matching = this.term(meta.index) === meta.term;
    this.entries = matching ? this.entries.filter((entry) => entry.index > meta.index) : [];
    this.snapshot = { meta, chunks };
    if (this.hardState.commit < meta.index) this.hardState = { ...this.hardState, commit: meta.index };
  }

  /** compact deletes entries up to `upTo`; only what a snapshot covers may go. */
  compact(upTo: number): void {
    if (upTo > this.snapshotIndex()) throw new Error(`compact(${upTo}): only entries a snapshot covers (up to ${this.snapshotIndex()}) may be deleted`);
    this.entries = this.entries.filter((entry) => entry.index > upTo);
  }

  /** loaded is what `Storage.load()` returns: copies, so the node cannot alias the disk. */
  loaded(): LoadedState {
    return {
      hardState: { ...this.hardState },
      ...(this.snapshot !== undefined ? { snapshot: this.snapshot.meta } : {}),
      entries: [...this.entries],
    };
  }
}
