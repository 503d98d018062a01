import { describe, expect, it } from 'vitest';
import { checkLinearizability } from './checker.js';
import { isUnknown, returned, timedOut, type Unknown } from './history.js';
import type { Model } from './model.js';

// A plugin author's model: a counter whose `increment` answers the new count. The state is an
// object and the model gives no hash, equal or partition, so the checker's defaults are used.
type CounterInput = { readonly type: 'increment' } | { readonly type: 'read' } | { readonly type: 'impossible' };
type CounterState = { readonly count: number };

const counterModel: Model<CounterState, CounterInput, number> = {
  init: () => ({ count: 0 }),
  step(state: CounterState, input: CounterInput, output: number | Unknown) {
    if (input.type === 'impossible') return { ok: false, state };
    const next = input.type === 'increment' ? { count: state.count + 1 } : state;
    return { ok: isUnknown(output) || output === next.count, state: next };
  },
};

const increment = (client: string, output: number, call: number, ret: number) => returned<CounterInput, number>(client, { type: 'increment' }, output, call, ret);
const read = (client: string, output: number, call: number, ret: number) => returned<CounterInput, number>(client, { type: 'read' }, output, call, ret);

describe('checkLinearizability with a plugin-supplied model', () => {
  it('passes concurrent increments that answer in either order', () => {
    const history = [increment('a', 2, 0, 10), increment('b', 1, 0, 10), read('c', 2, 11, 12)];
    expect(checkLinearizability(counterModel, history).ok).toBe(true);
  });

  it('fails two increments that both answer 1, reporting key null and the default descriptions', () => {
    const history = [increment('a', 1, 0, 10), increment('b', 1, 0, 10)];
    const result = checkLinearizability(counterModel, history);
    if (result.verdict !== 'violation') throw new Error(`expected a violation, got ${result.verdict}`);
    expect(result.key).toBe(null);
    expect(result.longestLinearization).toEqual([history[0]]);
    expect(result.explanation).toBe(
      [
        'Not linearizable.',
        'The smallest failing prefix found has 2 of the 2 operations; it fails when #1 returns at t=10:',
        '  #0   client a      [0, 10]        {"type":"increment"} -> 1',
        '  #1   client b      [0, 10]        {"type":"increment"} -> 1   <- impossible answer',
        'Longest legal order of these operations: #0; state after it: {"count":1}.',
        'No remaining operation can come next without contradicting an answer or real-time order.',
      ].join('\n'),
    );
  });

  it('leaves out an unknown-outcome operation the model rejects (it never took effect)', () => {
    const history = [timedOut<CounterInput, number>('a', { type: 'impossible' }, 0), increment('b', 1, 1, 2), read('c', 1, 3, 4)];
    expect(checkLinearizability(counterModel, history).ok).toBe(true);
  });

  it('fails an answered operation the model rejects in every state', () => {
    const history = [returned<CounterInput, number>('a', { type: 'impossible' }, 0, 0, 1)];
    expect(checkLinearizability(counterModel, history).verdict).toBe('violation');
  });
});
