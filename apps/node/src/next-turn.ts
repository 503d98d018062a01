/**
 * nextTurn resolves on the next turn of the event loop (after pending I/O), so long work done in
 * steps (a snapshot's encoding) lets the node's other work, writes included, run in between.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
