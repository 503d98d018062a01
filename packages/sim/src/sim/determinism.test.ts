import { describe, expect, it } from 'vitest';
import { runKvScenario } from './kv-scenario.js';

describe('determinism', () => {
  it('two runs of one seed produce the same full event trace (equal hash and equal lines) and summary', async () => {
    const first = await runKvScenario(17, { recordTrace: true });
    const second = await runKvScenario(17, { recordTrace: true });
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.trace).toEqual(first.trace);
    expect(second).toEqual(first);
    expect(first.trace!.length).toBe(first.events);
    expect(first.events).toBeGreaterThan(1000);
  });

  it('a different seed produces a different trace', async () => {
    const [a, b] = [await runKvScenario(17), await runKvScenario(18)];
    expect(a.traceHash).not.toBe(b.traceHash);
  });
});
