import { describe, expect, it } from 'vitest';
import { kvModel, type CasResult, type KvCommand, type KvResult, type KvValue } from '../kv/kv-model.js';
import { checkLinearizability } from './checker.js';
import { InvalidHistoryError, UNKNOWN, returned, timedOut, type Operation } from './history.js';

type KvOperation = Operation<KvCommand, KvResult>;

const put = (client: string, key: string, value: string, call: number, ret: number): KvOperation =>
  returned(client, { type: 'put', key, value }, 'ok', call, ret);
const get = (client: string, key: string, value: KvValue, call: number, ret: number): KvOperation =>
  returned(client, { type: 'get', key }, value, call, ret);
const remove = (client: string, key: string, call: number, ret: number): KvOperation =>
  returned(client, { type: 'delete', key }, 'ok', call, ret);
const cas = (client: string, key: string, expect: KvValue, value: string, result: CasResult, call: number, ret: number): KvOperation =>
  returned(client, { type: 'cas', key, expect, value }, result, call, ret);

const check = (history: KvOperation[]) => checkLinearizability(kvModel, history);

describe('checkLinearizability with the KV model: linearizable histories pass', () => {
  it('passes an empty history', () => {
    expect(check([])).toEqual({ ok: true, verdict: 'linearizable', steps: 0 });
  });

  it('passes a sequential put then get of the written value', () => {
    expect(check([put('a', 'x', '1', 0, 1), get('b', 'x', '1', 2, 3)]).verdict).toBe('linearizable');
  });

  it('passes a get overlapping a put whether it sees the old or the new value', () => {
    expect(check([put('a', 'x', '1', 0, 10), get('b', 'x', null, 2, 5)]).ok).toBe(true);
    expect(check([put('a', 'x', '1', 0, 10), get('b', 'x', '1', 2, 5)]).ok).toBe(true);
  });

  it('passes a read after two concurrent writes that sees either one', () => {
    const writes = [put('a', 'x', '1', 0, 10), put('b', 'x', '2', 0, 10)];
    expect(check([...writes, get('c', 'x', '1', 11, 12)]).ok).toBe(true);
    expect(check([...writes, get('c', 'x', '2', 11, 12)]).ok).toBe(true);
  });

  it('passes operations that merely touch in time as concurrent (calls sort before returns at equal times)', () => {
    // The put returns at 5 and the get is called at 5: either order is allowed.
    expect(check([get('b', 'x', '1', 0, 5), put('a', 'x', '1', 5, 8)]).ok).toBe(true);
  });

  it('passes cas successes and failures that match the value at their linearization point', () => {
    const history = [
      cas('a', 'x', null, 'a', { ok: true, current: 'a' }, 0, 1),
      cas('b', 'x', 'a', 'b', { ok: true, current: 'b' }, 2, 3),
      cas('c', 'x', 'a', 'c', { ok: false, current: 'b' }, 4, 5),
      get('a', 'x', 'b', 6, 7),
    ];
    expect(check(history).ok).toBe(true);
  });

  it('passes two concurrent cas from the same value where exactly one wins', () => {
    const history = [
      put('a', 'x', '0', 0, 1),
      cas('b', 'x', '0', 'b', { ok: false, current: 'c' }, 2, 6),
      cas('c', 'x', '0', 'c', { ok: true, current: 'c' }, 2, 6),
      get('a', 'x', 'c', 7, 8),
    ];
    expect(check(history).ok).toBe(true);
  });

  it('passes deletes: a read after a delete sees null, a read concurrent with it sees either value', () => {
    expect(check([put('a', 'x', '1', 0, 1), remove('a', 'x', 2, 3), get('b', 'x', null, 4, 5)]).ok).toBe(true);
    expect(check([put('a', 'x', '1', 0, 1), remove('a', 'x', 2, 6), get('b', 'x', '1', 3, 4)]).ok).toBe(true);
    expect(check([put('a', 'x', '1', 0, 1), remove('a', 'x', 2, 6), get('b', 'x', null, 3, 4)]).ok).toBe(true);
    // A delete of an absent key succeeds, and a cas expecting absence then succeeds.
    expect(check([remove('a', 'x', 0, 1), cas('b', 'x', null, '1', { ok: true, current: '1' }, 2, 3)]).ok).toBe(true);
  });
});

describe('checkLinearizability with the KV model: non-linearizable histories fail', () => {
  it('fails a stale read after a completed write, naming the read and the smallest failing prefix', () => {
    const write = put('a', 'x', '1', 0, 1);
    const staleRead = get('b', 'x', null, 2, 3);
    const result = check([write, staleRead, put('a', 'x', '2', 4, 5)]);
    expect(result.ok).toBe(false);
    if (result.verdict !== 'violation') throw new Error(`expected a violation, got ${result.verdict}`);
    expect(result.key).toBe('x');
    expect(result.culprit).toBe(staleRead);
    expect(result.failingPrefix).toEqual([write, staleRead]);
    expect(result.longestLinearization).toEqual([write]);
    expect(result.explanation).toBe(
      [
        'Not linearizable on key "x".',
        'The smallest failing prefix found has 2 of the 3 operations; it fails when #1 returns at t=3:',
        '  #0   client a      [0, 1]         put("x", "1") -> ok',
        '  #1   client b      [2, 3]         get("x") -> null   <- impossible answer',
        'Longest legal order of these operations: #0; state after it: "1".',
        'No remaining operation can come next without contradicting an answer or real-time order.',
      ].join('\n'),
    );
  });

  it('fails a read of a value that was never written', () => {
    const read = get('b', 'x', 'never', 2, 5);
    const result = check([put('a', 'x', '1', 0, 10), read]);
    if (result.verdict !== 'violation') throw new Error(`expected a violation, got ${result.verdict}`);
    // The put was still running when the read returned, so in the prefix its outcome is unknown.
    const pendingPut = timedOut('a', { type: 'put', key: 'x', value: '1' }, 0);
    expect(result.failingPrefix).toEqual([pendingPut, read]);
    expect(result.longestLinearization).toEqual([pendingPut]);
    expect(result.explanation).toContain('[0, ∞)         put("x", "1") -> ?   (no answer by the cut)');
    expect(result.explanation).toContain('get("x") -> "never"   <- impossible answer');
  });

  it('fails two sequential reads that go backwards while a write is running', () => {
    const history = [put('a', 'x', '1', 0, 1), put('a', 'x', '2', 2, 10), get('b', 'x', '2', 3, 4), get('b', 'x', '1', 5, 6)];
    const result = check(history);
    expect(result.verdict).toBe('violation');
    expect(result.ok === false && result.verdict === 'violation' && result.culprit).toBe(history[3]);
  });

  it('fails two readers that see two concurrent writes in opposite orders', () => {
    const history = [
      put('a', 'x', '1', 0, 20),
      put('b', 'x', '2', 0, 20),
      get('c', 'x', '1', 1, 2),
      get('c', 'x', '2', 3, 4),
      get('d', 'x', '2', 1, 2),
      get('d', 'x', '1', 3, 4),
    ];
    expect(check(history).verdict).toBe('violation');
  });

  it('fails a cas that succeeded against a value the key did not hold', () => {
    const result = check([put('a', 'x', 'a', 0, 1), cas('b', 'x', 'b', 'c', { ok: true, current: 'c' }, 2, 3)]);
    expect(result.verdict).toBe('violation');
  });

  it('fails a cas that reported failure although the key held the expected value', () => {
    const result = check([put('a', 'x', 'a', 0, 1), cas('b', 'x', 'a', 'c', { ok: false, current: 'a' }, 2, 3)]);
    expect(result.verdict).toBe('violation');
  });

  it('fails a read of a value that was deleted before the read began', () => {
    expect(check([put('a', 'x', '1', 0, 1), remove('a', 'x', 2, 3), get('b', 'x', '1', 4, 5)]).verdict).toBe('violation');
  });

  it('reports the prefix up to the first impossible answer, not the whole history', () => {
    const history: KvOperation[] = [];
    for (let i = 0; i < 10; i++) history.push(put('a', 'x', `v${i}`, 10 * i, 10 * i + 1));
    const staleRead = get('b', 'x', 'v3', 100, 101);
    history.push(staleRead);
    for (let i = 0; i < 10; i++) history.push(get('a', 'x', 'v9', 200 + 10 * i, 201 + 10 * i));
    const result = check(history);
    if (result.verdict !== 'violation') throw new Error(`expected a violation, got ${result.verdict}`);
    expect(result.culprit).toBe(staleRead);
    expect(result.failingPrefix).toEqual(history.slice(0, 11));
    expect(result.longestLinearization).toEqual(history.slice(0, 10));
  });
});

describe('checkLinearizability with unknown outcomes', () => {
  it('passes a timed-out put that later reads see', () => {
    expect(check([timedOut('a', { type: 'put', key: 'x', value: '1' }, 0), get('b', 'x', '1', 5, 6)]).ok).toBe(true);
  });

  it('passes a timed-out put that later reads never see', () => {
    expect(check([timedOut('a', { type: 'put', key: 'x', value: '1' }, 0), get('b', 'x', null, 5, 6)]).ok).toBe(true);
  });

  it('fails a timed-out put that is seen and then unseen: once visible it stays', () => {
    const history = [timedOut<KvCommand, KvResult>('a', { type: 'put', key: 'x', value: '1' }, 0), get('b', 'x', '1', 5, 6), get('b', 'x', null, 7, 8)];
    expect(check(history).verdict).toBe('violation');
  });

  it('fails a timed-out put whose value is read before the put was called', () => {
    const history = [get('b', 'x', '1', 0, 4), timedOut<KvCommand, KvResult>('a', { type: 'put', key: 'x', value: '1' }, 5)];
    expect(check(history).verdict).toBe('violation');
    // Called while the read was still running, it may have taken effect before the read.
    const overlapping = [get('b', 'x', '1', 0, 6), timedOut<KvCommand, KvResult>('a', { type: 'put', key: 'x', value: '1' }, 5)];
    expect(check(overlapping).ok).toBe(true);
  });

  it('ignores the returnTime recorded on an unknown outcome (it is +infinity)', () => {
    const unknownPut: KvOperation = { clientId: 'a', input: { type: 'put', key: 'x', value: '1' }, output: UNKNOWN, callTime: 0, returnTime: 1 };
    expect(check([unknownPut, get('b', 'x', null, 5, 6), get('b', 'x', '1', 7, 8)]).ok).toBe(true);
  });

  it('passes a timed-out cas in either outcome, but not one that decided differently', () => {
    const unknownCas = timedOut<KvCommand, KvResult>('a', { type: 'cas', key: 'x', expect: '0', value: '1' }, 2);
    const start = put('a', 'x', '0', 0, 1);
    expect(check([start, unknownCas, get('b', 'x', '1', 5, 6)]).ok).toBe(true);
    expect(check([start, unknownCas, get('b', 'x', '0', 5, 6)]).ok).toBe(true);
    // With the key holding '2' when it was called, the cas could only have failed.
    expect(check([put('a', 'x', '2', 0, 1), unknownCas, get('b', 'x', '1', 5, 6)]).verdict).toBe('violation');
  });

  it('ignores timed-out reads entirely', () => {
    const history = [put('a', 'x', '1', 0, 1), timedOut<KvCommand, KvResult>('b', { type: 'get', key: 'x' }, 2), get('c', 'x', '1', 3, 4)];
    expect(check(history)).toEqual({ ok: true, verdict: 'linearizable', steps: 2 });
  });
});

describe('checkLinearizability partitions by key', () => {
  it('reports the key whose sub-history is not linearizable', () => {
    const history = [
      put('a', 'k1', '1', 0, 1),
      put('a', 'k2', '1', 2, 3),
      put('a', 'k3', '1', 4, 5),
      get('b', 'k1', '1', 6, 7),
      get('b', 'k2', null, 8, 9),
      get('b', 'k3', '1', 10, 11),
    ];
    const result = check(history);
    if (result.verdict !== 'violation') throw new Error(`expected a violation, got ${result.verdict}`);
    expect(result.key).toBe('k2');
    expect(result.culprit).toBe(history[4]);
    expect(result.failingPrefix).toEqual([history[1], history[4]]);
  });

  it('checks keys independently: a read of one key is not ordered against writes of another', () => {
    // Per key this is linearizable; whether a multi-key snapshot was consistent is not our question.
    const history = [put('a', 'x', '1', 0, 1), get('b', 'y', null, 2, 3), put('a', 'y', '1', 4, 5), get('b', 'x', '1', 6, 7)];
    expect(check(history).ok).toBe(true);
  });
});

describe('checkLinearizability budget and validation', () => {
  it('answers unknown, not ok, when the step budget runs out', () => {
    const history = [put('a', 'x', '1', 0, 1), get('b', 'x', '1', 2, 3), get('b', 'x', '1', 4, 5)];
    expect(checkLinearizability(kvModel, history, { maxSteps: 2 })).toEqual({
      ok: false,
      verdict: 'unknown',
      key: 'x',
      reason: 'step-budget',
      steps: 2,
    });
    expect(checkLinearizability(kvModel, history, { maxSteps: 3 })).toEqual({ ok: true, verdict: 'linearizable', steps: 3 });
  });

  it('answers unknown with reason timeout when the injected clock passes the deadline', () => {
    // Many concurrent writes then reads: the search needs thousands of steps, and the clock
    // is read once per 1024 of them, advancing 10 ms per reading.
    const history: KvOperation[] = [];
    for (let i = 0; i < 14; i++) history.push(put(`w${i}`, 'x', `${i}`, 0, 100));
    for (let i = 0; i < 14; i++) history.push(get(`r${i}`, 'x', `${13 - i}`, 101 + 2 * i, 102 + 2 * i));
    let clock = 0;
    const result = checkLinearizability(kvModel, history, { timeoutMs: 15, now: () => (clock += 10) });
    expect(result).toMatchObject({ ok: false, verdict: 'unknown', key: 'x', reason: 'timeout' });
  });

  it('rejects an operation that returns before it was called', () => {
    expect(() => check([put('a', 'x', '1', 5, 4)])).toThrowError(
      expect.objectContaining({ name: 'InvalidHistoryError', code: 'RETURN_BEFORE_CALL' }) as Error,
    );
    expect(() => check([put('a', 'x', '1', Number.NaN, 4)])).toThrow(InvalidHistoryError);
  });
});

describe('checkLinearizability: memoization (Lowe) bounds the search', () => {
  it('proves a violation behind 13 concurrent writes in far fewer steps than their 13! orders', () => {
    // Every order of the 13 writes reaches the same state, so the memo visits each SET of written
    // operations once (2^13 of them) instead of every ORDER (13! ≈ 6.2e9): a search without the
    // memo could not reach the verdict within this budget, it would answer `unknown`.
    const writes = Array.from({ length: 13 }, (_, n) => put(`w${n}`, 'x', '1', 0, 10));
    const result = checkLinearizability(kvModel, [...writes, get('r', 'x', '2', 11, 12)], { maxSteps: 1_000_000 });
    expect(result.verdict).toBe('violation');
    expect(result.steps).toBeLessThan(2 ** 13 * 13 * 2);
  });
});
