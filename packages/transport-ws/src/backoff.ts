/**
 * Backoff spaces out reconnection attempts: exponential growth from `minMs` to `maxMs`, with
 * "equal jitter" (half the delay fixed, half random) so that the nodes of a cluster restarted
 * together do not redial in lockstep, while no attempt comes sooner than half of `minMs`.
 */

/** BackoffOptions bound the delays. */
export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
  /** A source of numbers in [0, 1); default Math.random. Injected by tests. */
  readonly random?: () => number;
}

/** Backoff hands out the delay before each next attempt. */
export interface Backoff {
  /** next returns the delay before the next attempt and counts that attempt. */
  next(): number;
  /** reset starts again from `minMs`, after a connection succeeded. */
  reset(): void;
  /** attempts is how many delays were handed out since the last reset. */
  readonly attempts: number;
}

/** createBackoff returns a Backoff at its first attempt. */
export function createBackoff(options: BackoffOptions): Backoff {
  const random = options.random ?? Math.random;
  let attempts = 0;
  return {
    next() {
      // Capping the exponent keeps 2 ** n finite; maxMs caps the value anyway.
      const ceiling = Math.min(options.maxMs, options.minMs * 2 ** Math.min(attempts, 30));
      attempts++;
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}
