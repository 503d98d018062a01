/**
 * The node's status as `GET /v1/status` and the client protocol's `status` show it: the core's
 * status in the reference node's vocabulary (docs/architecture.md), always answered locally.
 */
import type { MembershipConfig, RaftNodeStatus } from '@raftkit/core';
import type { NodeStatusSummary } from '@raftkit/client';

/** Membership is what a node is in a configuration. */
export type Membership = 'voter' | 'learner' | 'non-member';

/** membershipOf says what `id` is in `config`. */
export function membershipOf(config: MembershipConfig, id: string): Membership {
  if (config.voters.includes(id) || config.outgoingVoters.includes(id)) return 'voter';
  if (config.learners.includes(id)) return 'learner';
  return 'non-member';
}

/** NodeStatusView is the status document: the client protocol's summary plus a few extras. */
export interface NodeStatusView extends NodeStatusSummary {
  readonly clusterId: string;
  readonly leaseRemainingMs: number;
  /** On the leader: each peer's replication progress (`state: 'snapshot'` while one is installed). */
  readonly peers: readonly { readonly id: string; readonly match: number; readonly next: number; readonly state: string; readonly ticksSinceHeard: number }[];
  /** On the leader: the peers a snapshot is being streamed to right now. */
  readonly sendingSnapshotTo: readonly string[];
}

/**
 * statusView describes the node. `role` is the Raft role for voters, and `learner` or
 * `non-member` otherwise; `unresponsive` (filled on the leader) lists the peers not heard from
 * within an election timeout.
 */
export function statusView(status: RaftNodeStatus, clusterId: string, electionTicks: number): NodeStatusView {
  const membership = membershipOf(status.config, status.id);
  return {
    id: status.id,
    role: membership === 'voter' ? status.role : membership,
    term: status.term,
    leader: status.leader,
    commitIndex: status.commit,
    appliedIndex: status.appliedIndex,
    lastLogIndex: status.lastIndex,
    snapshotIndex: status.snapshotIndex,
    members: { voters: [...status.config.voters], learners: [...status.config.learners], outgoing: [...status.config.outgoingVoters] },
    unresponsive: status.role === 'leader' ? status.progress.filter((peer) => peer.ticksSinceHeard >= electionTicks).map((peer) => peer.id) : [],
    clusterId,
    leaseRemainingMs: status.leaseRemainingMs,
    peers: status.progress.map(({ id, match, next, state, ticksSinceHeard }) => ({ id, match, next, state, ticksSinceHeard })),
    sendingSnapshotTo: [...status.sendingSnapshotTo],
  };
}
