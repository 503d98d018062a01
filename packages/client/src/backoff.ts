/**
 * Backoff spaces out retries: exponential growth from `minMs` to `maxMs` with "equal jitter" (half
 * the delay fixed, half random), so that many clients that lost the same leader do not all come
 * back in the same millisecond, while no retry comes sooner than half of `minMs`.
 */

/** RetryOptions bound the delays between retries (and between rounds over all nodes). */
export interface RetryOptions {
  /** The first delay's ceiling, in ms. Default 50. */
  readonly minMs: number;
  /** No delay is longer than this, in ms. Default 2000. */
  readonly maxMs: number;
}

/** DEFAULT_RETRY is used when `createClient` gets no `retry`. */
export const DEFAULT_RETRY: RetryOptions = { minMs: 50, maxMs: 2000 };

/** Backoff hands out the delay before each next attempt. */
export interface Backoff {
  /** next returns the delay before the next attempt and counts that attempt. */
  next(): number;
  /** reset starts again from `minMs`. */
  reset(): void;
}

/** createBackoff returns a Backoff at its first attempt; `random` gives numbers in [0, 1). */
export function createBackoff(options: RetryOptions, random: () => number = Math.random): Backoff {
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
  };
}
