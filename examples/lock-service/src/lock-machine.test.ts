import { describe, expect, it } from 'vitest';
import { decideLock, FREE, LockInputError, LockMachine, type LockCommand } from './lock-machine.js';

const meta = { index: 1, term: 1 };

describe('LockMachine', () => {
  it('grants a free lock with token 1, refuses another owner while the lease holds, grants it after expiry with token 2', () => {
    const machine = new LockMachine();
    expect(machine.apply({ type: 'acquire', lock: 'l', owner: 'A', ttlMs: 100, now: 0 }, meta)).toEqual({ ok: true, token: 1, expiresAt: 100 });
    expect(machine.apply({ type: 'acquire', lock: 'l', owner: 'B', ttlMs: 100, now: 50 }, meta)).toEqual({ ok: false, holder: 'A', expiresAt: 100 });
    expect(machine.apply({ type: 'acquire', lock: 'l', owner: 'B', ttlMs: 100, now: 100 }, meta)).toEqual({ ok: true, token: 2, expiresAt: 200 });
    // A's lease expired and B holds token 2: A's renew and release with token 1 are refused.
    expect(machine.apply({ type: 'renew', lock: 'l', owner: 'A', token: 1, ttlMs: 100, now: 120 }, meta)).toMatchObject({ ok: false, holder: 'B' });
    expect(machine.apply({ type: 'release', lock: 'l', owner: 'A', token: 1, now: 120 }, meta)).toMatchObject({ ok: false, holder: 'B' });
    expect(machine.query({ type: 'holder', lock: 'l', now: 130 })).toEqual({ holder: 'B', token: 2, expiresAt: 200 });
  });

  it('judges expiry by the largest clock the lock has seen: a client clock behind cannot revive a lease', () => {
    let state = decideLock(FREE, { type: 'acquire', lock: 'l', owner: 'A', ttlMs: 10, now: 100 }).state;
    state = decideLock(state, { type: 'acquire', lock: 'l', owner: 'B', ttlMs: 10, now: 200 }).state;
    expect(state).toMatchObject({ holder: 'B', token: 2, clock: 200 });
    const late = decideLock(state, { type: 'renew', lock: 'l', owner: 'B', token: 2, ttlMs: 10, now: 50 });
    expect(late.result).toEqual({ ok: true, token: 2, expiresAt: 210 });
  });

  it('renews for the holder with the same token, releases, and the next acquire gets a higher token', () => {
    const machine = new LockMachine();
    machine.apply({ type: 'acquire', lock: 'l', owner: 'A', ttlMs: 100, now: 0 }, meta);
    expect(machine.apply({ type: 'renew', lock: 'l', owner: 'A', token: 1, ttlMs: 100, now: 90 }, meta)).toEqual({ ok: true, token: 1, expiresAt: 190 });
    expect(machine.apply({ type: 'release', lock: 'l', owner: 'A', token: 1, now: 95 }, meta)).toMatchObject({ ok: true, token: 1 });
    expect(machine.query({ type: 'holder', lock: 'l', now: 96 })).toEqual({ holder: null, token: null, expiresAt: null });
    expect(machine.apply({ type: 'acquire', lock: 'l', owner: 'C', ttlMs: 100, now: 96 }, meta)).toMatchObject({ ok: true, token: 2 });
  });

  it('refuses malformed commands with LockInputError and changes nothing', () => {
    const machine = new LockMachine();
    for (const bad of [{ type: 'acquire', lock: '', owner: 'A', ttlMs: 1, now: 0 }, { type: 'acquire', lock: 'l', owner: 'A', ttlMs: 0, now: 0 }, { type: 'release', lock: 'l', owner: 'A', now: 0 }, { type: 'steal', lock: 'l', owner: 'A', ttlMs: 1, token: 1, now: 0 }]) {
      expect(() => machine.apply(bad as unknown as LockCommand, meta)).toThrow(LockInputError);
    }
    expect(machine.query({ type: 'holder', lock: 'l', now: 0 })).toEqual({ holder: null, token: null, expiresAt: null });
  });

  it('restores from its own snapshot, taken when snapshot() is called', async () => {
    const machine = new LockMachine();
    machine.apply({ type: 'acquire', lock: 'l', owner: 'A', ttlMs: 100, now: 0 }, meta);
    const snapshot = machine.snapshot();
    machine.apply({ type: 'release', lock: 'l', owner: 'A', token: 1, now: 1 }, meta);
    const restored = new LockMachine();
    await restored.restore(snapshot);
    expect(restored.query({ type: 'holder', lock: 'l', now: 2 })).toEqual({ holder: 'A', token: 1, expiresAt: 100 });
  });
});
