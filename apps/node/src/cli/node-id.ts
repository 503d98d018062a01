/**
 * Node ids travel in HTTP headers (`X-Raft-Leader`), log lines, file names and peer handshakes:
 * they are kept to characters that are safe in all of them.
 */

/** NODE_ID_PATTERN is what a node id may be: 1 to 64 of `A-Z a-z 0-9 . _ -`. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** nodeIdProblem says why `id` is not a valid node id; undefined when it is one. */
export function nodeIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return 'a node id is a string';
  if (!NODE_ID_PATTERN.test(id)) return `a node id is 1 to 64 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}...` : id)}`;
  return undefined;
}
