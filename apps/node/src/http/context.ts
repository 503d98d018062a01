/**
 * HttpContext: what the HTTP routes and the client WebSocket API need from the running node.
 */
import type { RaftNodeStatus } from '@raftkit/core';
import type { WsTransportStats } from '@raftkit/transport-ws';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Operations } from '../operations.js';
import type { TokenStore } from '../security/tokens.js';
import type { NodeStatusView } from '../status.js';

/** MembersView is `GET /v1/members`: the configuration with every known address. */
export interface MembersView {
  readonly clusterId: string;
  readonly leader: string | null;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  readonly outgoing: readonly string[];
  /** Peer (transport) addresses by id, from the replicated configuration. */
  readonly peerAddresses: Readonly<Record<string, string>>;
  /** HTTP addresses by id, as far as this node knows them. */
  readonly httpAddresses: Readonly<Record<string, string>>;
}

/** HttpContext is the node as the HTTP layer sees it. */
export interface HttpContext {
  readonly id: string;
  readonly operations: Operations;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly requestTimeoutMs: number;
  /** The API's bearer tokens (open when there is no --tokens-file). */
  readonly tokens: TokenStore;
  /** The status document (throws OperationError SHUTTING_DOWN when the node is not running). */
  status(): NodeStatusView;
  /** The runtime status, for metrics; undefined when the node is not running. */
  rawStatus(): RaftNodeStatus | undefined;
  members(): MembersView;
  transportStats(): WsTransportStats | undefined;
}
