import { describe, expect, it } from 'vitest';
import { kvModel, type KvCommand, type KvResult } from '../kv/kv-model.js';
import { checkLinearizability } from './checker.js';
import { isUnknown, type Operation } from './history.js';
import { generateKvHistory } from './test-support/kv-history-generator.js';

describe('checkLinearizability on generated KV histories', () => {
  it('passes a 2,000-operation linearizable history over 10 keys with 5 concurrent clients', () => {
    const history = generateKvHistory({ seed: 1, clients: 5, keys: 10, operations: 2000 });
    expect(history).toHaveLength(2000);
    const result = checkLinearizability(kvModel, history);
    expect(result.verdict).toBe('linearizable');
  });

  it('passes a 2,000-operation history on one key with 5 clients and 2% unknown outcomes', () => {
    const history = generateKvHistory({ seed: 2, clients: 5, keys: 1, operations: 2000, unknownRate: 0.02 });
    expect(history.filter((operation) => isUnknown(operation.output)).length).toBeGreaterThan(10);
    expect(checkLinearizability(kvModel, history).verdict).toBe('linearizable');
  });

  it('raises no false alarm on 50 seeds of small, highly concurrent histories with unknown outcomes', () => {
    for (let seed = 100; seed < 150; seed++) {
      const history = generateKvHistory({ seed, clients: 6, keys: 2, operations: 120, unknownRate: 0.1, maxLatency: 8 });
      expect({ seed, verdict: checkLinearizability(kvModel, history).verdict }).toEqual({ seed, verdict: 'linearizable' });
    }
  });

  it('finds a read of a never-written value planted in a generated history, on its key', () => {
    const history = generateKvHistory({ seed: 3, clients: 5, keys: 10, operations: 2000 });
    const target = history.findIndex((operation, index) => index > 1000 && operation.input.type === 'get' && !isUnknown(operation.output));
    const planted: Operation<KvCommand, KvResult> = { ...history[target]!, output: 'never-written' };
    const mutated = history.map((operation, index) => (index === target ? planted : operation));
    const result = checkLinearizability(kvModel, mutated);
    if (result.verdict !== 'violation') throw new Error(`expected a violation, got ${result.verdict}`);
    expect(result.key).toBe(planted.input.key);
    expect(result.culprit).toBe(planted);
  });
});
