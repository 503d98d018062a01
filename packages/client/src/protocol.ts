/**
 * The client protocol of a raftkit node: msgpack frames over the WebSocket at `/v1/ws`. One
 * request per frame; answers carry the request's `id` and may arrive out of order. The reference
 * node (apps/node) serves it; `@raftkit/client` speaks it. Any node accepts any request and
 * forwards writes and linearizable reads to the leader itself.
 *
 * What an error code tells the caller about a write (the same split as HTTP 503 / 504):
 * - CERTAINLY NOT APPLIED: NO_LEADER, NOT_MEMBER, SHUTTING_DOWN, BAD_REQUEST, TOO_LARGE,
 *   IDEMPOTENCY_KEY_REUSED, SESSION_EXPIRED — safe to retry anywhere.
 * - OUTCOME UNKNOWN: OUTCOME_UNKNOWN, TIMEOUT — retry only with the same session stamp (same
 *   clientId + sequence), which the node's session table turns into "applied once".
 */

/** PROTOCOL_VERSION is sent in the `hello` answer; a client refuses a node with another major. */
export const PROTOCOL_VERSION = 1;

/** SessionStamp identifies one command of one client, so a retry is applied once (thesis §6.3). */
export interface SessionStamp {
  readonly clientId: string;
  /** 1, 2, 3, ... per clientId; a retry reuses the sequence of the command it retries. */
  readonly sequence: number;
}

/** KvCommand is a write to the reference node's key-value store. Keys are 1–1024 UTF-8 bytes. */
export type KvCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly op: 'delete'; readonly key: string }
  /** Compare-and-set on UTF-8 values; `expect: null` means "absent". Decided inside apply. */
  | { readonly op: 'cas'; readonly key: string; readonly expect: string | null; readonly value: string };

/** KvQuery is a read of the reference node's key-value store. */
export type KvQuery = { readonly op: 'get'; readonly key: string };

/** ClientRequest is one frame from client to node. */
export type ClientRequest =
  | { readonly id: number; readonly type: 'command'; readonly command: KvCommand; readonly session: SessionStamp }
  /** `stale: true` answers from the node's local state (no leader round trip). */
  | { readonly id: number; readonly type: 'query'; readonly query: KvQuery; readonly stale?: boolean }
  | { readonly id: number; readonly type: 'status' }
  /**
   * `hello` is the first request a client sends on a new connection (added to the first protocol
   * version): the node answers with a `HelloResult`. A node that does not know `hello` answers
   * BAD_REQUEST, which a client takes as "protocol version 1". A node MUST answer it (or refuse it
   * with an error frame), never close the connection over it. `token` is the API bearer token
   * of a node started with `--tokens-file`; the connection's requests then have that token's role.
   */
  | { readonly id: number; readonly type: 'hello'; readonly clientId: string; readonly protocolVersion: number; readonly token?: string };

/** HelloResult answers `hello`: who the node is and which protocol it speaks. */
export interface HelloResult {
  /** The node's PROTOCOL_VERSION; a client refuses a node whose version differs from its own. */
  readonly protocolVersion: number;
  /** The node's id, so a client knows when a `leader` hint names the node it is connected to. */
  readonly nodeId: string;
}

/** LeaderInfo tells the client where the leader is, so it can connect there directly. */
export interface LeaderInfo {
  readonly id: string;
  /** The leader's client address (host:port of its HTTP/WebSocket listener), when known. */
  readonly httpAddress?: string;
}

/** CommandResult answers a command: its log index; for cas whether it applied and the value then. */
export interface CommandResult {
  readonly index: number;
  readonly cas?: { readonly ok: boolean; readonly current: string | null };
}

/** QueryResult answers a get: the value (null when absent) and the applied index it was served at. */
export interface QueryResult {
  readonly value: Uint8Array | null;
  readonly index: number;
}

/** NodeStatusSummary is what `status` returns (the same fields as `GET /v1/status`). */
export interface NodeStatusSummary {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastLogIndex: number;
  readonly snapshotIndex: number;
  readonly members: { readonly voters: readonly string[]; readonly learners: readonly string[]; readonly outgoing: readonly string[] };
  readonly unresponsive: readonly string[];
}

/** ErrorCode is the machine-readable kind of a failed request. */
export type ErrorCode =
  | 'NO_LEADER'
  | 'NOT_MEMBER'
  | 'SHUTTING_DOWN'
  | 'OUTCOME_UNKNOWN'
  | 'TIMEOUT'
  | 'BAD_REQUEST'
  | 'TOO_LARGE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'SESSION_EXPIRED'
  | 'SESSION_RESULT_EVICTED'
  | 'INTERNAL'
  /** The node needs an API token (`token` in `hello`) and got none, or an unknown one. */
  | 'UNAUTHORIZED'
  /** The token's role does not allow this request. */
  | 'FORBIDDEN';

/** ClientResponse is one frame from node to client. */
export type ClientResponse =
  | {
      readonly id: number;
      readonly ok: true;
      readonly result: CommandResult | QueryResult | NodeStatusSummary | HelloResult;
      readonly leader?: LeaderInfo;
    }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly code: ErrorCode; readonly message: string; readonly retryAfterMs?: number };
      readonly leader?: LeaderInfo;
    };

/** certainlyNotApplied reports whether a failed write with this code is known not to have applied. */
export function certainlyNotApplied(code: ErrorCode): boolean {
  return code !== 'OUTCOME_UNKNOWN' && code !== 'TIMEOUT' && code !== 'INTERNAL' && code !== 'SESSION_RESULT_EVICTED';
}
