import { describe, expect, it } from 'vitest';
import { LOADS, compareKey, type Load } from './loads.js';
import { checkTargets, median, summarize, tableRow, type RunFigures } from './summary.js';

const run = (operationsPerSecond: number, p50Ms: number, p99Ms: number, errorsByKind: Record<string, number> = {}, serverCpuMicrosPerOperation?: number): RunFigures => ({
  operationsPerSecond,
  p50Ms,
  p99Ms,
  errorsByKind,
  ...(serverCpuMicrosPerOperation !== undefined ? { serverCpuMicrosPerOperation, loadCpuMicrosPerOperation: serverCpuMicrosPerOperation / 4 } : {}),
});
const load = (name: string): Load => LOADS.find((each) => each.name === name)!;

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even count, whatever the order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([10, 2, 4, 100])).toBe(7);
    expect(median([5])).toBe(5);
    expect(median([])).toBeNaN();
    // A run whose CPU could not be read does not drag the median to NaN.
    expect(median([Number.NaN, 4, 8])).toBe(6);
    expect(median([Number.NaN])).toBeNaN();
  });
});

describe('summarize and tableRow', () => {
  it('compares the medians of each system and rounds them into a row', () => {
    const summary = summarize(load('native-put-64'), [run(1000, 20, 80, {}, 600), run(2000, 10, 60, {}, 500)], [run(3000, 5, 40, { TIMEOUT: 2 }, 200), run(6000, 15, 20, {}, 180)]);
    expect(summary.etcd).toEqual({ runs: 2, operationsPerSecond: 1500, p50Ms: 15, p99Ms: 70, errors: 0, serverCpuMicrosPerOperation: 550, loadCpuMicrosPerOperation: 137.5 });
    expect(summary.raftkit.errors).toBe(2);
    expect(summary.throughputRatio).toBe(3);
    expect(summary.p99Ratio).toBeCloseTo(30 / 70);
    expect(summary.cpuRatio).toBeCloseTo(190 / 550);
    expect(tableRow(summary)).toEqual({
      load: 'native put, 64 clients',
      'etcd ops/s': 1500,
      'etcd p50 ms': 15,
      'etcd p99 ms': 70,
      'etcd CPU µs/op': 550,
      'raftkit ops/s': 4500,
      'raftkit p50 ms': 10,
      'raftkit p99 ms': 30,
      'raftkit CPU µs/op': 190,
      'ratio ops/s': 3,
      'ratio p50': 0.67,
      'ratio p99': 0.43,
      'ratio CPU/op': 0.35,
      errors: 2,
    });
  });

  it('shows an unknown CPU figure as ? rather than a number it does not have', () => {
    const row = tableRow(summarize(load('native-get-64'), [run(1000, 2, 8)], [run(4000, 1, 4, {}, 90)]));
    expect(row['etcd CPU µs/op']).toBe('?');
    expect(row['raftkit CPU µs/op']).toBe(90);
    expect(row['ratio CPU/op']).toBe('?');
  });
});

describe('checkTargets', () => {
  it('meets a two-part target only when both parts hold, and leaves loads not run unmeasured', () => {
    const checks = checkTargets([
      summarize(load('native-put-64'), [run(1000, 10, 100)], [run(3000, 5, 50)]),
      summarize(load('native-put-256'), [run(1000, 10, 100)], [run(3500, 5, 101)]),
      summarize(load('native-put-1'), [run(300, 2, 5)], [run(400, 1.5, 4)]),
    ]);
    const verdict = (prefix: string) => checks.find((check) => check.target.startsWith(prefix))!;
    expect(verdict('native put, 64').verdict).toBe('met');
    expect(verdict('native put, 256')).toMatchObject({ verdict: 'not met', measured: 'ops/s 3.5×, p99 1.01×' });
    expect(verdict('native put, 1 ').verdict).toBe('met');
    expect(verdict('HTTP get').verdict).toBe('not measured');
  });
});

describe('LOADS and compareKey', () => {
  it('runs put at 1, 64 and 256 clients and get at 64, natively and over HTTP, over the key space', () => {
    expect(LOADS.map((each) => each.name)).toEqual(['native-put-1', 'native-put-64', 'native-put-256', 'native-get-64', 'http-put-1', 'http-put-64', 'http-put-256', 'http-get-64']);
    expect(compareKey(256, 0, 0)).toBe('bench-0000');
    expect(compareKey(256, 0, 256)).toBe('bench-0000');
    expect(compareKey(256, 1, 0)).toBe(`bench-${String(7919 % 256).padStart(4, '0')}`);
  });
});
