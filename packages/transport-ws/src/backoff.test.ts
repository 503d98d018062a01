import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';

describe('createBackoff', () => {
  it('doubles the ceiling from minMs up to maxMs, each delay between half the ceiling and the ceiling', () => {
    const low = createBackoff({ minMs: 100, maxMs: 1000, random: () => 0 });
    const high = createBackoff({ minMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('reset() starts again from minMs and attempts counts the delays handed out', () => {
    const backoff = createBackoff({ minMs: 10, maxMs: 1000, random: () => 0.5 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([8, 15, 30]);
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect([backoff.attempts, backoff.next()]).toEqual([0, 8]);
  });

  it('stays finite at maxMs after very many attempts', () => {
    const backoff = createBackoff({ minMs: 1, maxMs: 60_000, random: () => 0 });
    for (let attempt = 0; attempt < 5000; attempt++) backoff.next();
    expect(backoff.next()).toBe(30_000);
  });
});
