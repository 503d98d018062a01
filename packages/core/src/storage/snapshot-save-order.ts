/**
 * SnapshotSaveOrder gives a Storage implementation the snapshot ordering the contract allows:
 * each save reads (or stages) its chunks on its own, beside the other calls, and then joins the
 * storage's call order with its commit, once its chunks are read AND every earlier save has
 * joined, so the stored snapshot never moves back. `idle()` lets `close()` wait for saves whose
 * commits are not queued yet.
 *
 * ```ts
 * saveSnapshot(meta, chunks) {
 *   return this.saves.save(() => readAll(chunks), (bytes) => this.queueInCallOrder(() => store(meta, bytes)));
 * }
 * ```
 */
export class SnapshotSaveOrder {
  /** Settles once the last save called has queued its commit (or failed before it). */
  private lastQueued: Promise<void> = Promise.resolve();
  private readonly running = new Set<Promise<void>>();

  /**
   * save runs `read`, waits for the earlier saves to queue their commits, then calls `commit`,
   * which MUST queue the commit in the storage's call order before it returns (synchronously) and
   * resolve once it has landed. Resolves or rejects as the save does.
   */
  save<Read>(read: () => Promise<Read>, commit: (read: Read) => Promise<void>): Promise<void> {
    const previous = this.lastQueued;
    let queued!: () => void;
    this.lastQueued = new Promise<void>((resolve) => (queued = resolve));
    const saved = (async () => {
      let committed: Promise<void>;
      try {
        const value = await read();
        await previous;
        committed = commit(value);
      } finally {
        // A save that failed before its commit still lets the later ones go only after the earlier.
        void previous.then(queued);
      }
      await committed;
    })();
    const settled = saved.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return saved;
  }

  /** idle settles once every save called so far has settled (landed or failed). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
