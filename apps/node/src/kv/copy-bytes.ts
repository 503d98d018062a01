/**
 * copyBytes returns a copy of `bytes` that owns its memory, of the same class as `bytes`.
 *
 * Not `bytes.slice()`: on a Node Buffer (what msgpackr decodes a value to) `slice()` is a view,
 * like `subarray()`, so a value stored that way keeps the whole buffer it was decoded from
 * alive: a peer's AppendEntries frame, msgpackr's 8 KiB pool, a snapshot.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes);
}
