/**
 * Readiness (`GET /readyz`): should a load balancer or an orchestrator send this node traffic?
 * Ready means a member (voter or learner), a leader known, and the state machine caught up to
 * within `maxLag` entries of the commit index the leader told it; and no storage failure.
 */
import type { RaftNodeStatus } from '@raftkit/core';
import { membershipOf } from '../status.js';

/** NotReadyReason names why a node is not ready. */
export type NotReadyReason =
  /** The node is stopping or has stopped. */
  | 'SHUTTING_DOWN'
  /** The data directory's disk failed (ENOSPC, EIO, read-only): the node stores nothing more. */
  | 'STORAGE_FAILED'
  /** Not in the configuration (waiting to be added). */
  | 'NOT_MEMBER'
  /** No leader known (an election is running, or this node is cut off). */
  | 'NO_LEADER'
  /** The state machine lags the commit index by more than the bound. */
  | 'LAGGING';

/** Readiness is the answer of `GET /readyz`. */
export type Readiness =
  | { readonly ready: true; readonly leader: string; readonly commitIndex: number; readonly appliedIndex: number }
  | { readonly ready: false; readonly reason: NotReadyReason; readonly message: string };

/** DEFAULT_MAX_LAG is how many committed entries may wait to be applied on a ready node. */
export const DEFAULT_MAX_LAG = 1000;

/**
 * readinessOf judges `status` (undefined when the node is not running); `storageFailure` is the
 * storage error that stopped the node, if any.
 */
export function readinessOf(status: RaftNodeStatus | undefined, storageFailure: string | undefined, maxLag = DEFAULT_MAX_LAG): Readiness {
  if (storageFailure !== undefined) return { ready: false, reason: 'STORAGE_FAILED', message: storageFailure };
  if (status === undefined) return { ready: false, reason: 'SHUTTING_DOWN', message: 'this node is not running' };
  if (membershipOf(status.config, status.id) === 'non-member') return { ready: false, reason: 'NOT_MEMBER', message: 'this node is not in the cluster configuration' };
  if (status.leader === null) return { ready: false, reason: 'NO_LEADER', message: `no leader known in term ${status.term}` };
  const lag = status.commit - status.appliedIndex;
  if (lag > maxLag) return { ready: false, reason: 'LAGGING', message: `applied index ${status.appliedIndex} is ${lag} entries behind commit index ${status.commit} (bound ${maxLag})` };
  return { ready: true, leader: status.leader, commitIndex: status.commit, appliedIndex: status.appliedIndex };
}
