import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';

describe('createBackoff', () => {
  it('doubles the ceiling from minMs up to maxMs, never below half of it', () => {
    const low = createBackoff({ minMs: 50, maxMs: 300 }, () => 0);
    expect(Array.from({ length: 5 }, () => low.next())).toEqual([25, 50, 100, 150, 150]);

    const high = createBackoff({ minMs: 50, maxMs: 300 }, () => 0.999999);
    expect(Array.from({ length: 5 }, () => high.next())).toEqual([50, 100, 200, 300, 300]);
  });

  it('starts again from minMs after reset', () => {
    const backoff = createBackoff({ minMs: 10, maxMs: 1000 }, () => 0);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(5);
  });
});
