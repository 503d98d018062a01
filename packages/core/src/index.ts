export * from './raft/index.js';
export type { AbortSignalLike, ApplyMeta, Clock, Codec, StateMachine, Transport } from './runtime/interfaces.js';
export type { SnapshotSenderOptions } from './runtime/snapshot-sender.js';
export { createRealClock, createVirtualClock, type VirtualClock } from './runtime/clock.js';
export { CodecError, createJsonCodec, type CodecErrorCode } from './runtime/codec.js';
export {
  NoLeaderError,
  NodeStoppedError,
  NotLeaderError,
  OutcomeUnknownError,
  ProposalDroppedError,
  RaftError,
  ReadTimeoutError,
  RequestRefusedError,
  TimeoutError,
  type RaftErrorCode,
} from './runtime/errors.js';
export {
  createRaftNode,
  type RaftNode,
  type MessageRefusedEvent,
  type RaftNodeConfig,
  type RaftNodeEvents,
  type RaftNodeInspector,
  type RaftNodeOptions,
  type RaftNodeStatus,
  type RoleChangedEvent,
} from './runtime/raft-node.js';
export {
  createLeaderForwarding,
  ForwardedApplyError,
  ForwardedOutcomeUnknownError,
  type LeaderForwarding,
  type LeaderForwardingOptions,
} from './runtime/leader-forwarding.js';
export {
  supportsPeerRequests,
  type PeerRequestFailure,
  type PeerRequestHandler,
  type PeerRequests,
  type RequestTransport,
} from './runtime/peer-requests.js';
export type { AppendOptions, LoadedState, Storage } from './storage/storage.js';
export { createMemoryStorage, MemoryStorage, type MemoryStorageOptions } from './storage/memory-storage.js';
export { copyBytes } from './storage/copy-bytes.js';
export { SnapshotSaveOrder } from './storage/snapshot-save-order.js';
// Client sessions and idempotency keys (Raft thesis §6.3).
export * from './sessions/index.js';
// Forced recovery from a lost majority: UNSAFE, see its documentation.
export { forceNewConfiguration, type RecoveredState } from './runtime/recover.js';
