/**
 * Client sessions and idempotency keys as a wrapper around any StateMachine (Raft thesis §6.3).
 * See session-state-machine.ts for how to use them.
 */
export {
  createSessionStateMachine,
  SESSION_DEFAULTS,
  type SessionStateMachine,
  type SessionStateMachineOptions,
  type SessionTableStatus,
} from './session-state-machine.js';
export { createSessionIds, idempotentCommand, sessionCommand, sessionTick, untrackedCommand, withTimestamp, type SessionIds } from './session-ids.js';
export { SessionSnapshotError, type SessionSnapshotErrorCode } from './errors.js';
export { SNAPSHOT_FORMAT_VERSION as SESSION_SNAPSHOT_FORMAT_VERSION } from './snapshot-format.js';
export type {
  IdempotentCommand,
  SessionApplied,
  SessionClientCommand,
  SessionCommand,
  SessionFailed,
  SessionRejected,
  SessionRejectionCode,
  SessionResult,
  SessionTick,
  SessionTicked,
  UntrackedCommand,
} from './types.js';
