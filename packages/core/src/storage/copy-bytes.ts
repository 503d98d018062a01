/**
 * copyBytes returns a copy of `bytes` that owns its memory, of the same class as `bytes`: for a
 * storage or state machine that keeps bytes it was handed.
 *
 * Not `bytes.slice()`: on a Node Buffer (what msgpackr and the ws transport hand out) `slice()`
 * is a view, like `subarray()`, so a "copy" made that way is not protected from the caller's
 * writes and keeps the whole buffer it points into alive (a peer's frame, a codec's pool).
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes);
}
