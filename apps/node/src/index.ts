/**
 * `@raftkit/node`: the reference node as a library, for embedding and tests. The `raftkit`
 * command (bin.ts) is the usual way in.
 */
export { startNode, type NodeSecurity, type RunningNode } from './node.js';
export { resolveStartOptions, START_OPTIONS, type StartOptions } from './cli/start-options.js';
export { NodeConfigError, type NodeConfigErrorCode } from './cli/errors.js';
export { main } from './cli/main.js';
export { KvStateMachine, type KvManyResult, type KvReadResult, type KvResult, type KvSizeResult, type KvWriteResult } from './kv/kv-state-machine.js';
export { createNodeStateMachine, type NodeStateMachine } from './kv/kv-machine.js';
// Types that appear in the signatures above.
export type { KvNode } from './operations.js';
export type { NodeEntry } from './kv/command-codec.js';
export type { Address } from './cli/address.js';
export type { ClusterMember } from './cli/cluster.js';
export type { Output } from './cli/admin.js';
export type { OptionSources } from './cli/start-options.js';
export type { KvStateMachineOptions } from './kv/kv-state-machine.js';
export type { KvExtendedCommand, KvReply, NodeKvCommand, NodeKvQuery, SetCondition } from './kv/kv-commands.js';
export { createTokenStore, type TokenStore } from './security/tokens.js';
export type { PeerTlsFiles } from './cli/peer-tls.js';
