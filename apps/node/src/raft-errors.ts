/**
 * operationErrorOf maps what the raftkit runtime rejects with onto the node's OperationError,
 * keeping the one distinction that matters to a client: certainly not applied (503) against
 * outcome unknown (504).
 */
import { NodeStoppedError, NotLeaderError, OutcomeUnknownError, ProposalDroppedError, ReadTimeoutError, RequestRefusedError } from '@raftkit/core';
import { OperationError } from './operation-error.js';

/** operationErrorOf maps a runtime error (or passes an OperationError through). */
export function operationErrorOf(error: unknown): OperationError {
  if (error instanceof OperationError) return error;
  if (error instanceof NotLeaderError) return new OperationError('NO_LEADER', error.message, error.leaderHint);
  if (error instanceof ProposalDroppedError) return new OperationError('NO_LEADER', `the leader dropped the proposal (${error.reason}); it was not applied`, error.leaderHint);
  if (error instanceof NodeStoppedError) return new OperationError('SHUTTING_DOWN', 'this node is shutting down');
  // TimeoutError is an OutcomeUnknownError whose code is PROPOSAL_TIMEOUT.
  if (error instanceof OutcomeUnknownError) return new OperationError(error.code === 'PROPOSAL_TIMEOUT' ? 'TIMEOUT' : 'OUTCOME_UNKNOWN', error.message);
  if (error instanceof ReadTimeoutError) return new OperationError('TIMEOUT', error.message);
  if (error instanceof RequestRefusedError) {
    if (error.reason === 'not-leader' || error.reason === 'leader-not-ready') return new OperationError('NO_LEADER', error.message, error.leaderHint);
    if (error.reason === 'not-member') return new OperationError('NOT_FOUND', error.message, error.leaderHint);
    return new OperationError('CONFLICT', error.message, error.leaderHint);
  }
  return new OperationError('INTERNAL', error instanceof Error ? error.message : String(error));
}

/** withTimeout rejects with `onTimeout()` if `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), Math.max(0, ms));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
