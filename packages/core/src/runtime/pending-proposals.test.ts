import { describe, expect, it } from 'vitest';
import type { Entry } from '../raft/types.js';
import { createVirtualClock } from './clock.js';
import { NotLeaderError, OutcomeUnknownError, TimeoutError } from './errors.js';
import { PendingProposals } from './pending-proposals.js';
import { settle } from './test-support/cluster.js';

const entry = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: new Uint8Array([1]) });

function track(proposals: PendingProposals<string>, index: number, term: number) {
  let waiter!: { resolve: (value: string) => void; reject: (error: unknown) => void };
  const promise = new Promise<string>((resolve, reject) => {
    waiter = { resolve, reject };
  });
  proposals.track(index, term, waiter);
  return settle(promise);
}

async function flush(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('PendingProposals', () => {
  it('resolves with the result when the entry applied at the index has the proposal term', async () => {
    const proposals = new PendingProposals<string>(createVirtualClock(), 1000);
    const outcome = track(proposals, 3, 2);
    proposals.applied(entry(3, 2), { ok: true, value: 'done' });
    await flush();
    expect(outcome).toEqual({ done: true, value: 'done' });
    expect(proposals.size).toBe(0);
  });

  it('rejects OutcomeUnknownError (never NotLeaderError) when another term entry is applied at the index', async () => {
    const proposals = new PendingProposals<string>(createVirtualClock(), 1000);
    const outcome = track(proposals, 3, 2);
    proposals.applied(entry(3, 3), { ok: true, value: 'someone else' });
    await flush();
    expect(outcome.error).toBeInstanceOf(OutcomeUnknownError);
    expect(outcome.error).not.toBeInstanceOf(NotLeaderError);
    expect(outcome.error).toMatchObject({ code: 'OUTCOME_UNKNOWN', index: 3, term: 2 });
  });

  it('rejects OutcomeUnknownError when a no-op or config entry (no outcome) is applied at the index', async () => {
    const proposals = new PendingProposals<string>(createVirtualClock(), 1000);
    const outcome = track(proposals, 3, 2);
    proposals.applied(entry(3, 4), undefined);
    await flush();
    expect(outcome.error).toMatchObject({ code: 'OUTCOME_UNKNOWN', index: 3, term: 2 });
  });

  it('keeps waiters of the current leader term and gives up the others when leadership changes', async () => {
    const proposals = new PendingProposals<string>(createVirtualClock(), 1000);
    const old = track(proposals, 3, 2);
    const current = track(proposals, 4, 5);
    proposals.leadershipChanged('leader', 5);
    await flush();
    expect(old.error).toMatchObject({ code: 'OUTCOME_UNKNOWN', index: 3, term: 2 });
    expect(current.done).toBe(false);
    proposals.leadershipChanged('follower', 5);
    await flush();
    expect(current.error).toMatchObject({ code: 'OUTCOME_UNKNOWN', index: 4, term: 5 });
  });

  it('times out with TimeoutError after exactly timeoutMs, and not once answered', async () => {
    const clock = createVirtualClock();
    const proposals = new PendingProposals<string>(clock, 1000);
    const slow = track(proposals, 3, 2);
    const answered = track(proposals, 4, 2);
    proposals.applied(entry(4, 2), { ok: true, value: 'ok' });
    clock.advance(999);
    await flush();
    expect(slow.done).toBe(false);
    clock.advance(1);
    await flush();
    expect(slow.error).toBeInstanceOf(TimeoutError);
    expect(slow.error).toMatchObject({ code: 'PROPOSAL_TIMEOUT', index: 3, term: 2 });
    expect(answered).toEqual({ done: true, value: 'ok' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects the stale waiter when a newer term tracks the same index', async () => {
    const proposals = new PendingProposals<string>(createVirtualClock(), 1000);
    const stale = track(proposals, 3, 2);
    const fresh = track(proposals, 3, 3);
    proposals.applied(entry(3, 3), { ok: true, value: 'fresh' });
    await flush();
    expect(stale.error).toMatchObject({ code: 'OUTCOME_UNKNOWN', index: 3, term: 2 });
    expect(fresh).toEqual({ done: true, value: 'fresh' });
  });
});
