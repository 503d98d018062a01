/**
 * RespBackend: what the Redis-protocol front needs from the node. The node's Operations is one
 * (writes and linearizable reads run on the leader, forwarded in one hop from a follower); tests
 * may give another.
 */
import type { NodeKvCommand, NodeKvQuery } from '../kv/kv-commands.js';
import type { KvResult, KvWriteResult } from '../kv/kv-state-machine.js';
import type { NodeStatusView } from '../status.js';

/** RespBackend runs KV commands and reads, and describes the node for INFO. */
export interface RespBackend {
  /** write applies a command once it is committed, and answers once applied (throws OperationError). */
  write(command: NodeKvCommand): Promise<KvWriteResult>;
  /** query answers linearizably (ReadIndex or lease on the leader). Throws OperationError. */
  query(query: NodeKvQuery): Promise<KvResult>;
  /** status describes the node; undefined when it is not running. */
  status(): NodeStatusView | undefined;
}

/**
 * TokenStore is the shape of the API tokens of the security work (`--tokens-file`): `open` when
 * no tokens are configured; `roleOf` the role a token grants, undefined for an unknown token.
 * Defined here so the front runs without that work; the node passes the real store when it has one.
 */
export interface TokenStore {
  readonly open: boolean;
  roleOf(token: string): 'read' | 'write' | 'admin' | undefined;
}
