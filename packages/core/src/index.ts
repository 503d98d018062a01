export * from './raft/index.js';
export type { ApplyMeta, Clock, Codec, StateMachine, Transport } from './runtime/interfaces.js';
export { createRealClock, createVirtualClock, type VirtualClock } from './runtime/clock.js';
export { createJsonCodec } from './runtime/codec.js';
export {
  NodeStoppedError,
  NotLeaderError,
  OutcomeUnknownError,
  ProposalDroppedError,
  RaftError,
  TimeoutError,
  type RaftErrorCode,
} from './runtime/errors.js';
export {
  createRaftNode,
  type RaftNode,
  type RaftNodeConfig,
  type RaftNodeEvents,
  type RaftNodeOptions,
  type RaftNodeStatus,
  type RoleChangedEvent,
} from './runtime/raft-node.js';
export type { AppendOptions, LoadedState, Storage } from './storage/storage.js';
export { createMemoryStorage, MemoryStorage, type MemoryStorageOptions } from './storage/memory-storage.js';
