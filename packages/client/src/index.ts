/**
 * @raftkit/client: talks to a raftkit cluster over the client protocol (`/v1/ws`, msgpack frames).
 * It finds the leader, follows redirects, and retries a command with the same SessionStamp so the
 * node's session table applies it once; every failure is a typed error that says whether a write
 * certainly did not apply.
 */
export { createClient, DEFAULT_DEADLINE_MS, DEFAULT_MAX_INFLIGHT_COMMANDS, DEFAULT_REQUEST_TIMEOUT_MS } from './client.js';
export type { ClientOptions, QueryOptions, RaftkitClient } from './client.js';
export { DEFAULT_RETRY } from './backoff.js';
export type { RetryOptions } from './backoff.js';
export {
  ClientClosedError,
  ClusterUnavailableError,
  NoLeaderError,
  OutcomeUnknownError,
  RaftkitClientError,
  RequestRejectedError,
  TimeoutError,
} from './errors.js';
export type { ClientErrorCode, RejectionCode } from './errors.js';
export { MAX_KEY_BYTES } from './kv.js';
export type { CasResult, GetOptions, KvClient, KvTransport, WriteResult } from './kv.js';
export { PROTOCOL_VERSION, certainlyNotApplied } from './protocol.js';
export type {
  ClientRequest,
  ClientResponse,
  CommandResult,
  ErrorCode,
  HelloResult,
  KvCommand,
  KvQuery,
  LeaderInfo,
  NodeStatusSummary,
  QueryResult,
  SessionStamp,
} from './protocol.js';
export { decodeResponse, encodeRequest, encodeResponse, decodeValue } from './frame-codec.js';
export type { DecodedResponse } from './frame-codec.js';
export { toWebSocketUrl } from './web-socket.js';
export type { WebSocketConstructor, WebSocketLike } from './web-socket.js';
