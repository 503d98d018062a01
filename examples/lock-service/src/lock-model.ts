/**
 * The lock service's model for `@raftkit/sim`'s linearizability checker: the same `decideLock`
 * the machine applies, replayed per lock (locks are independent, so each is checked apart).
 */
import { UNKNOWN, type Model } from '@raftkit/sim';
import { decideLock, FREE, holderAt, type HolderResult, type LockCommand, type LockQuery, type LockResult, type LockState } from './lock-machine.js';

/** LockOperation is what a simulated client does: a command, or a linearizable holder query. */
export type LockOperation = LockCommand | LockQuery;

/** LockAnswer is any answer a client records. */
export type LockAnswer = LockResult | HolderResult;

/** lockModel checks a history of lock operations. */
export const lockModel: Model<LockState, LockOperation, LockAnswer> = {
  init: () => FREE,
  step(state, input, output) {
    if (input.type === 'holder') return { ok: output === UNKNOWN || sameJson(output, holderAt(state, input.now)), state };
    const next = decideLock(state, input);
    return { ok: output === UNKNOWN || sameJson(output, next.result), state: next.state };
  },
  partition: (input) => input.lock,
  isReadOnly: (input) => input.type === 'holder',
  describeOperation: (input, output) => `${JSON.stringify(input)} -> ${output === UNKNOWN ? '?' : JSON.stringify(output)}`,
};

function sameJson(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}
