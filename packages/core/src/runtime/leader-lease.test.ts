/**
 * LeaderLease timing (thesis §6.4.1): the lease runs from the SEND time of the heartbeat round a
 * quorum acknowledged, never from when the acknowledgement arrived, on the runtime's clock.
 */
import { describe, expect, it } from 'vitest';
import { createVirtualClock } from './clock.js';
import { LeaderLease } from './leader-lease.js';

/** A 60 ms lease on a virtual clock at 0. */
function setUp() {
  const clock = createVirtualClock();
  return { clock, lease: new LeaderLease(clock, 60) };
}

describe('LeaderLease', () => {
  it('runs from the send time of the acknowledged round: a slow acknowledgement shortens it', () => {
    const { clock, lease } = setUp();
    clock.advance(1000);
    lease.heartbeatSent(1);
    // The quorum's answers take 25 ms: the followers' election timers started up to 25 ms ago.
    clock.advance(25);
    lease.confirmed(1);
    expect(lease.remainingMs()).toBe(35);
    expect(lease.valid()).toBe(true);
    clock.advance(34);
    expect(lease.valid()).toBe(true);
    clock.advance(1);
    expect(lease.valid()).toBe(false);
    expect(lease.remainingMs()).toBe(0);
  });

  it('keeps the first send time of a round sent again, and ignores rounds it never stamped', () => {
    const { clock, lease } = setUp();
    lease.heartbeatSent(1);
    clock.advance(10);
    // A retransmission of round 1 does not move its stamp forward.
    lease.heartbeatSent(1);
    lease.confirmed(1);
    expect(lease.remainingMs()).toBe(50);
    // An acknowledgement of a round this lease never saw sent (sent before it took over) grants nothing.
    lease.confirmed(7);
    expect(lease.remainingMs()).toBe(50);
  });

  it('an older round confirmed late never shortens a lease a newer round granted', () => {
    const { clock, lease } = setUp();
    lease.heartbeatSent(1);
    clock.advance(20);
    lease.heartbeatSent(2);
    lease.confirmed(2);
    expect(lease.remainingMs()).toBe(60);
    // Confirming round 2 dropped the stamps of rounds up to 2: a stale round 1 changes nothing.
    lease.confirmed(1);
    expect(lease.remainingMs()).toBe(60);
  });

  it('revoke ends the lease at once and forgets the stamped rounds', () => {
    const { clock, lease } = setUp();
    lease.heartbeatSent(1);
    lease.revoke();
    lease.confirmed(1);
    expect(lease.valid()).toBe(false);
    expect(lease.remainingMs()).toBe(0);
  });
});
