export type * from './types.js';
export { createRaft, Raft, type RaftOptions } from './raft.js';
export { RAFT_DEFAULTS, resolveRaftConfig, type InjectedBugs, type RaftConfig, type ResolvedRaftConfig } from './config.js';
export { ConfigError, type ConfigErrorCode } from './errors.js';
export { createSeededRng, hashSeed, type Rng } from './rng.js';
export { EMPTY_CONFIG, decodeConfig, encodeConfig, isJoint, isVoter, members, validateMembership } from './membership.js';
export {
  MESSAGE_LIMIT_DEFAULTS,
  MessageValidationError,
  validateMessage,
  type MessageLimits,
  type MessageValidationErrorCode,
} from './validate-message.js';
