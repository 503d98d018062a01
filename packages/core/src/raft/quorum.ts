import type { MembershipConfig, NodeId } from './types.js';

/**
 * majorityIndex returns the largest index acknowledged by a majority of `voters`, given each
 * voter's acknowledged index. An empty voter set places no constraint (it returns Infinity), so
 * it composes with `Math.min` for joint configurations.
 */
export function majorityIndex(voters: readonly NodeId[], acked: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return Infinity;
  if (n === 1) return acked(voters[0]!);
  if (n === 3) {
    // The common cluster, on every acknowledgement: the median of three, without an array.
    const a = acked(voters[0]!);
    const b = acked(voters[1]!);
    const c = acked(voters[2]!);
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
  // Insertion sort, descending, into a scratch array reused across calls (no allocation, no
  // comparator closure): voter sets are small.
  if (scratch.length < n) scratch = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const value = acked(voters[i]!);
    let j = i - 1;
    while (j >= 0 && scratch[j]! < value) {
      scratch[j + 1] = scratch[j]!;
      j--;
    }
    scratch[j + 1] = value;
  }
  return scratch[n >> 1]!;
}

let scratch: number[] = new Array<number>(8);

/** committedIndex is the index a quorum of `config` holds: both majorities while joint (§4.3). */
export function committedIndex(config: MembershipConfig, acked: (id: NodeId) => number): number {
  const index = Math.min(majorityIndex(config.voters, acked), majorityIndex(config.outgoingVoters, acked));
  return index === Infinity ? 0 : index;
}

/** VoteOutcome of an election so far. */
export type VoteOutcome = 'won' | 'lost' | 'pending';

function majorityVote(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const quorum = (voters.length >> 1) + 1;
  if (granted >= quorum) return 'won';
  if (rejected > voters.length - quorum) return 'lost';
  return 'pending';
}

/** voteOutcome tallies votes against both halves of a joint configuration. */
export function voteOutcome(config: MembershipConfig, votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  const incoming = majorityVote(config.voters, votes);
  const outgoing = majorityVote(config.outgoingVoters, votes);
  if (incoming === 'lost' || outgoing === 'lost') return 'lost';
  if (incoming === 'won' && outgoing === 'won') return 'won';
  return 'pending';
}

/** hasQuorum reports whether `active` ids form a quorum of `config` (both halves while joint). */
export function hasQuorum(config: MembershipConfig, active: (id: NodeId) => boolean): boolean {
  const votes = new Map<NodeId, boolean>();
  for (const id of [...config.voters, ...config.outgoingVoters]) votes.set(id, active(id));
  return voteOutcome(config, votes) === 'won';
}
