import { describe, expect, it } from 'vitest';
import { UNKNOWN } from '../linearizability/history.js';
import { applyKvCommand, describeKvOperation, kvModel, kvResultsEqual } from './kv-model.js';

describe('applyKvCommand', () => {
  it('get returns the current value and leaves it unchanged', () => {
    expect(applyKvCommand('1', { type: 'get', key: 'x' })).toEqual({ value: '1', result: '1' });
    expect(applyKvCommand(null, { type: 'get', key: 'x' })).toEqual({ value: null, result: null });
  });

  it('put sets the value and answers ok', () => {
    expect(applyKvCommand('1', { type: 'put', key: 'x', value: '2' })).toEqual({ value: '2', result: 'ok' });
  });

  it('delete removes the value and answers ok, also when absent', () => {
    expect(applyKvCommand('1', { type: 'delete', key: 'x' })).toEqual({ value: null, result: 'ok' });
    expect(applyKvCommand(null, { type: 'delete', key: 'x' })).toEqual({ value: null, result: 'ok' });
  });

  it('cas takes effect only when the current value equals expect (null meaning absent)', () => {
    expect(applyKvCommand('a', { type: 'cas', key: 'x', expect: 'a', value: 'b' })).toEqual({ value: 'b', result: { ok: true, current: 'b' } });
    expect(applyKvCommand('a', { type: 'cas', key: 'x', expect: 'z', value: 'b' })).toEqual({ value: 'a', result: { ok: false, current: 'a' } });
    expect(applyKvCommand(null, { type: 'cas', key: 'x', expect: null, value: 'b' })).toEqual({ value: 'b', result: { ok: true, current: 'b' } });
    expect(applyKvCommand('a', { type: 'cas', key: 'x', expect: null, value: 'b' })).toEqual({ value: 'a', result: { ok: false, current: 'a' } });
    expect(applyKvCommand(null, { type: 'cas', key: 'x', expect: '', value: 'b' })).toEqual({ value: null, result: { ok: false, current: null } });
  });
});

describe('kvModel', () => {
  it('step accepts only the output the command gives in that state', () => {
    expect(kvModel.step('1', { type: 'get', key: 'x' }, '1')).toEqual({ ok: true, state: '1' });
    expect(kvModel.step('1', { type: 'get', key: 'x' }, '2')).toEqual({ ok: false, state: '1' });
    expect(kvModel.step('1', { type: 'get', key: 'x' }, null)).toEqual({ ok: false, state: '1' });
    expect(kvModel.step('a', { type: 'cas', key: 'x', expect: 'a', value: 'b' }, { ok: false, current: 'a' })).toEqual({ ok: false, state: 'b' });
  });

  it('step accepts an UNKNOWN output and moves to the state as if the command took effect', () => {
    expect(kvModel.step(null, { type: 'put', key: 'x', value: '1' }, UNKNOWN)).toEqual({ ok: true, state: '1' });
    expect(kvModel.step('a', { type: 'cas', key: 'x', expect: 'a', value: 'b' }, UNKNOWN)).toEqual({ ok: true, state: 'b' });
  });

  it('partitions by key, marks only get as read-only, and hashes absent apart from every string', () => {
    expect(kvModel.partition?.({ type: 'delete', key: 'k7' })).toBe('k7');
    expect(kvModel.isReadOnly?.({ type: 'get', key: 'x' })).toBe(true);
    expect(kvModel.isReadOnly?.({ type: 'cas', key: 'x', expect: null, value: '' })).toBe(false);
    expect(kvModel.hash?.(null)).toBe(-1);
    expect(kvModel.hash?.('-1')).toBe('-1');
  });

  it('kvResultsEqual compares cas results by field and others by value', () => {
    expect(kvResultsEqual({ ok: false, current: null }, { ok: false, current: null })).toBe(true);
    expect(kvResultsEqual({ ok: false, current: null }, { ok: false, current: 'a' })).toBe(false);
    expect(kvResultsEqual(null, 'ok')).toBe(false);
    expect(kvResultsEqual('ok', 'ok')).toBe(true);
  });

  it('describes operations for failure reports', () => {
    expect(describeKvOperation({ type: 'get', key: 'x' }, null)).toBe('get("x") -> null');
    expect(describeKvOperation({ type: 'put', key: 'x', value: '1' }, 'ok')).toBe('put("x", "1") -> ok');
    expect(describeKvOperation({ type: 'cas', key: 'x', expect: null, value: '1' }, { ok: false, current: '2' })).toBe(
      'cas("x", null, "1") -> failed, current "2"',
    );
    expect(describeKvOperation({ type: 'delete', key: 'x' }, UNKNOWN)).toBe('delete("x") -> ?');
  });
});
