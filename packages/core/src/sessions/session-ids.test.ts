import { describe, expect, it } from 'vitest';
import { createSessionIds, idempotentCommand, sessionCommand, sessionTick, untrackedCommand, withTimestamp } from './session-ids.js';

describe('createSessionIds', () => {
  it('hands out sequences 1, 2, 3 and wraps commands with the client id, the sequence and the timestamp', () => {
    const ids = createSessionIds('client-1');
    expect(ids.lastSequence).toBe(0);
    expect(ids.command({ add: 1 }, 1000)).toEqual({ type: 'command', clientId: 'client-1', sequence: 1, timestampMs: 1000, command: { add: 1 } });
    expect(ids.next()).toBe(2);
    expect(ids.command('x', 1001)).toEqual({ type: 'command', clientId: 'client-1', sequence: 3, timestampMs: 1001, command: 'x' });
    expect(ids.lastSequence).toBe(3);
  });

  it('continues an existing session from lastSequence', () => {
    const ids = createSessionIds('client-1', { lastSequence: 41 });
    expect(ids.next()).toBe(42);
  });

  it('refuses an empty client id and a bad lastSequence', () => {
    expect(() => createSessionIds('')).toThrow(TypeError);
    expect(() => createSessionIds('c', { lastSequence: -1 })).toThrow(RangeError);
    expect(() => createSessionIds('c', { lastSequence: 0.5 })).toThrow(RangeError);
  });
});

describe('session command builders', () => {
  it('build each kind of entry with exactly its fields', () => {
    expect(sessionCommand('c', 7, 'x', 5)).toEqual({ type: 'command', clientId: 'c', sequence: 7, timestampMs: 5, command: 'x' });
    expect(idempotentCommand('key', 'hash', 'x', 5)).toEqual({ type: 'command', idempotencyKey: 'key', requestHash: 'hash', timestampMs: 5, command: 'x' });
    expect(untrackedCommand('x', 5)).toEqual({ type: 'command', timestampMs: 5, command: 'x' });
    expect(sessionTick(5)).toEqual({ type: 'tick', timestampMs: 5 });
  });

  it('withTimestamp restamps a retry and keeps its identity', () => {
    const first = sessionCommand('c', 7, 'x', 5);
    expect(withTimestamp(first, 9)).toEqual({ type: 'command', clientId: 'c', sequence: 7, timestampMs: 9, command: 'x' });
    expect(first.timestampMs).toBe(5);
  });
});
