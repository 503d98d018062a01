import { describe, expect, it } from 'vitest';
import { committedIndex, hasQuorum, majorityIndex, voteOutcome } from './quorum.js';
import type { MembershipConfig, NodeId } from './types.js';

const IDS = ['n1', 'n2', 'n3', 'n4', 'n5'];

function simple(voters: readonly NodeId[]): MembershipConfig {
  return { voters, outgoingVoters: [], learners: [] };
}

/** votesOf builds a vote map: `granted` ids true, `rejected` ids false, others absent. */
function votesOf(granted: readonly NodeId[], rejected: readonly NodeId[] = []): Map<NodeId, boolean> {
  const votes = new Map<NodeId, boolean>();
  for (const id of granted) votes.set(id, true);
  for (const id of rejected) votes.set(id, false);
  return votes;
}

describe('majorityIndex against a sorting reference', () => {
  it('agrees for 1 to 9 voters on 2,000 random acknowledgement sets, ties included', () => {
    let state = 12345;
    const random = (bound: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % bound;
    };
    for (let round = 0; round < 2000; round++) {
      const n = 1 + (round % 9);
      const voters = Array.from({ length: n }, (_, i) => `v${i}`);
      const values = new Map(voters.map((id) => [id, random(6)]));
      const sorted = [...values.values()].sort((a, b) => b - a);
      expect(majorityIndex(voters, (id) => values.get(id)!), `round ${round}: ${JSON.stringify([...values])}`).toBe(sorted[n >> 1]);
    }
  });
});

describe('majorities of 1 to 5 voters', () => {
  // Voter nK acknowledged index 10×K; the majority index is what the (n/2+1)-th highest holds.
  const expected = [10, 10, 20, 20, 30];
  for (let n = 1; n <= 5; n++) {
    const voters = IDS.slice(0, n);
    const acked = (id: NodeId) => 10 * (IDS.indexOf(id) + 1);
    const quorum = Math.floor(n / 2) + 1;

    it(`${n} voter(s): the committed index is ${expected[n - 1]!}`, () => {
      expect(majorityIndex(voters, acked)).toBe(expected[n - 1]);
      expect(committedIndex(simple(voters), acked)).toBe(expected[n - 1]);
    });

    it(`${n} voter(s): ${quorum} grants win, ${quorum - 1} are pending, ${n - quorum + 1} rejections lose`, () => {
      expect(voteOutcome(simple(voters), votesOf(voters.slice(0, quorum)))).toBe('won');
      expect(voteOutcome(simple(voters), votesOf(voters.slice(0, quorum - 1)))).toBe('pending');
      expect(voteOutcome(simple(voters), votesOf([], voters.slice(0, n - quorum + 1)))).toBe('lost');
      if (n - quorum > 0) expect(voteOutcome(simple(voters), votesOf([], voters.slice(0, n - quorum)))).toBe('pending');
    });
  }

  it('does not depend on the order of the voters', () => {
    const acked = (id: NodeId) => ({ n1: 5, n2: 1, n3: 9, n4: 7, n5: 3 })[id] ?? 0;
    expect(majorityIndex(['n1', 'n2', 'n3', 'n4', 'n5'], acked)).toBe(5);
    expect(majorityIndex(['n5', 'n3', 'n1', 'n4', 'n2'], acked)).toBe(5);
  });

  it('an empty voter set constrains nothing in majorityIndex but commits nothing on its own', () => {
    expect(majorityIndex([], () => 7)).toBe(Infinity);
    expect(committedIndex(simple([]), () => 7)).toBe(0);
  });
});

describe('joint configurations need both halves (§4.3)', () => {
  // C_old = {a, b, c}, C_new = {c, d, e}.
  const joint: MembershipConfig = { voters: ['c', 'd', 'e'], outgoingVoters: ['a', 'b', 'c'], learners: [] };

  it('commits only what a majority of each half holds', () => {
    const acked = (id: NodeId) => ({ a: 9, b: 9, c: 5, d: 2, e: 1 })[id] ?? 0;
    // C_old majority holds 9, C_new majority holds 2: the joint commit is 2.
    expect(committedIndex(joint, acked)).toBe(2);
    const newAhead = (id: NodeId) => ({ a: 1, b: 1, c: 5, d: 8, e: 8 })[id] ?? 0;
    expect(committedIndex(joint, newAhead)).toBe(1);
  });

  it('a vote won in one half only is pending', () => {
    expect(voteOutcome(joint, votesOf(['a', 'b']))).toBe('pending');
    expect(voteOutcome(joint, votesOf(['d', 'e']))).toBe('pending');
    expect(voteOutcome(joint, votesOf(['a', 'b', 'd', 'e']))).toBe('won');
    expect(voteOutcome(joint, votesOf(['b', 'c', 'd']))).toBe('won');
  });

  it('a vote lost in either half is lost, even when the other half won', () => {
    expect(voteOutcome(joint, votesOf(['a', 'b'], ['d', 'e']))).toBe('lost');
    expect(voteOutcome(joint, votesOf(['d', 'e'], ['a', 'b']))).toBe('lost');
  });

  it('hasQuorum needs an active majority in each half', () => {
    expect(hasQuorum(joint, (id) => ['a', 'b', 'd'].includes(id))).toBe(false);
    expect(hasQuorum(joint, (id) => ['a', 'b', 'd', 'e'].includes(id))).toBe(true);
    expect(hasQuorum(joint, (id) => ['c', 'a', 'd'].includes(id))).toBe(true);
  });
});

describe('learners do not count', () => {
  const config: MembershipConfig = { voters: ['a', 'b', 'c'], outgoingVoters: [], learners: ['l1', 'l2'] };

  it('committedIndex and hasQuorum ignore learners', () => {
    const acked = (id: NodeId) => (['a', 'l1', 'l2'].includes(id) ? 9 : 0);
    expect(committedIndex(config, acked)).toBe(0);
    expect(hasQuorum(config, (id) => ['a', 'l1', 'l2'].includes(id))).toBe(false);
  });
});
