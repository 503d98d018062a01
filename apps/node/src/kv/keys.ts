/**
 * Key rules of the reference node: a key is 1–1024 bytes of UTF-8 (one percent-decoded path
 * segment over HTTP). Checked where requests come in, and again inside apply, so a malformed
 * command that reaches the log anyway is refused alike on every replica.
 */
import { MAX_KEY_BYTES } from '@raftkit/client';

export { MAX_KEY_BYTES };

const encoder = new TextEncoder();

/** keyProblem says why `key` is not a valid key, or undefined when it is. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'the key must be a string';
  if (key.length === 0) return 'the key is empty';
  // Each UTF-16 code unit is 1 to 3 bytes of UTF-8: a short key needs no encoding to be measured
  // (this runs twice for every write, once where it comes in and once in apply).
  if (key.length * 3 <= MAX_KEY_BYTES) return undefined;
  const bytes = encoder.encode(key).byteLength;
  if (bytes === 0) return 'the key is empty';
  if (bytes > MAX_KEY_BYTES) return `the key is ${bytes} bytes; at most ${MAX_KEY_BYTES}`;
  return undefined;
}
