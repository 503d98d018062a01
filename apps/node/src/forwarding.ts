/**
 * Forwarding: any node takes any request; a node that does not lead sends writes, linearizable
 * reads and admin requests to the leader in ONE hop, over the peer transport's request channel
 * (`WsTransport.request`, on the authenticated Raft connection). The leader runs the request
 * itself and never forwards it again: a node that is no longer leader answers NO_LEADER with its
 * hint, and the origin may try once more.
 *
 * What a forward failure means for a write is decided here, from the transport's `maybeHandled`:
 * not sent (no connection, too large) → NO_LEADER, certainly not applied (503); sent but no
 * answer (connection lost, timeout) → OUTCOME_UNKNOWN / TIMEOUT, it may have applied (504).
 */
import type { NodeKvCommand, NodeKvQuery } from './kv/kv-commands.js';
import { PeerRequestError } from '@raftkit/transport-ws';
import { OperationError, type OperationErrorCode } from './operation-error.js';

/** Dedup says how a write is deduplicated when retried. */
export type Dedup =
  | { readonly kind: 'none' }
  /** HTTP `Idempotency-Key`; `requestHash` digests the request it was first used with. */
  | { readonly kind: 'key'; readonly key: string; readonly requestHash: string }
  /** A `@raftkit/client` SessionStamp. */
  | { readonly kind: 'session'; readonly clientId: string; readonly sequence: number };

/** ForwardRequest is what a node asks the leader to do. `timeoutMs` is the time the origin has left. */
export type ForwardRequest =
  | { readonly kind: 'write'; readonly command: NodeKvCommand; readonly dedup: Dedup; readonly timeoutMs: number }
  | { readonly kind: 'read'; readonly key: string; readonly timeoutMs: number }
  /** A linearizable read of any NodeKvQuery (multi-key get, size), for the Redis-protocol front. */
  | { readonly kind: 'query'; readonly query: NodeKvQuery; readonly timeoutMs: number }
  /** A command / linearizable query of the machine hosted with `--machine`. */
  | { readonly kind: 'machineCommand'; readonly command: unknown; readonly dedup: Dedup; readonly timeoutMs: number }
  | { readonly kind: 'machineQuery'; readonly query: unknown; readonly timeoutMs: number }
  | { readonly kind: 'addMember'; readonly id: string; readonly peerAddress: string; readonly learner: boolean; readonly httpAddress?: string; readonly timeoutMs: number }
  | { readonly kind: 'removeMember'; readonly id: string; readonly timeoutMs: number }
  | { readonly kind: 'transfer'; readonly to?: string; readonly timeoutMs: number }
  /** Who are you: the node's id and HTTP address (for leader hints). */
  | { readonly kind: 'info' };

/** ForwardAnswer is the leader's answer, as plain msgpack data. */
export type ForwardAnswer =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: OperationErrorCode; readonly message: string; readonly leader: string | null };

/** answerOf turns the outcome of running a request into a ForwardAnswer. */
export function answerOf(error: OperationError): ForwardAnswer {
  return { ok: false, code: error.code, message: error.message, leader: error.leader };
}

/** isForwardRequest checks the shape of a request from a peer (peers run the same code, but check anyway). */
export function isForwardRequest(value: unknown): value is ForwardRequest {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (record['kind'] === 'info') return true;
  if (typeof record['timeoutMs'] !== 'number') return false;
  switch (record['kind']) {
    case 'write':
      return typeof record['command'] === 'object' && record['command'] !== null && typeof record['dedup'] === 'object' && record['dedup'] !== null;
    case 'read':
      return typeof record['key'] === 'string';
    case 'query':
      return typeof record['query'] === 'object' && record['query'] !== null;
    case 'machineCommand':
      return 'command' in record && typeof record['dedup'] === 'object' && record['dedup'] !== null;
    case 'machineQuery':
      return 'query' in record;
    case 'addMember':
      return typeof record['id'] === 'string' && typeof record['peerAddress'] === 'string' && typeof record['learner'] === 'boolean';
    case 'removeMember':
      return typeof record['id'] === 'string';
    case 'transfer':
      return record['to'] === undefined || record['to'] === null || typeof record['to'] === 'string';
    default:
      return false;
  }
}

/** What a forwarded request does to the cluster, which decides what a lost answer means. */
export type ForwardEffect = 'write' | 'read';

/**
 * forwardFailure turns a transport failure of a forward to `leader` into an OperationError: a
 * request the leader certainly did not get is NO_LEADER (503); one it may have acted on is
 * TIMEOUT / OUTCOME_UNKNOWN (504) for a write. A read changes nothing, so only its timeout is 504.
 */
export function forwardFailure(error: unknown, leader: string, effect: ForwardEffect): OperationError {
  if (!(error instanceof PeerRequestError)) return new OperationError('INTERNAL', `forwarding to ${leader} failed: ${(error as Error).message}`, leader);
  if (!error.maybeHandled) return new OperationError('NO_LEADER', `the leader ${leader} cannot be reached (${error.message})`, leader);
  if (error.code === 'TIMEOUT') return new OperationError('TIMEOUT', `the leader ${leader} did not answer in time`, leader);
  if (effect === 'read') return new OperationError('NO_LEADER', `the read could not be served by ${leader} (${error.message})`, leader);
  return new OperationError('OUTCOME_UNKNOWN', `lost the answer of the leader ${leader}: the write may or may not have applied (${error.message})`, leader);
}

/** resultOf unwraps a ForwardAnswer from a peer; a malformed one is a lost answer. */
export function resultOf(answer: unknown, leader: string, effect: ForwardEffect): unknown {
  if (typeof answer === 'object' && answer !== null) {
    const record = answer as Record<string, unknown>;
    if (record['ok'] === true) return record['result'];
    if (record['ok'] === false && typeof record['code'] === 'string') {
      const hint = typeof record['leader'] === 'string' ? record['leader'] : null;
      throw new OperationError(record['code'] as OperationErrorCode, typeof record['message'] === 'string' ? record['message'] : '', hint);
    }
  }
  throw new OperationError(effect === 'write' ? 'OUTCOME_UNKNOWN' : 'INTERNAL', `the leader ${leader} sent a malformed answer`, leader);
}
