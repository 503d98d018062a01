/**
 * PeerRequests: an OPTIONAL transport capability, request/response calls to a peer beside the Raft
 * messages. `createLeaderForwarding` builds "any node takes any request" on it. transport-ws
 * implements it on its authenticated connections; the memory network in `@raftkit/core/testing`
 * implements it in process. A transport without it still runs Raft; only forwarding needs it.
 */
import type { NodeId } from '../raft/types.js';
import type { Transport } from './interfaces.js';

/**
 * PeerRequestHandler answers one peer's request: its return value (or resolved value) is sent
 * back; a throw (or rejection) reaches the caller as a failure with `maybeHandled: true`.
 */
export type PeerRequestHandler = (from: NodeId, payload: unknown) => unknown;

/**
 * PeerRequestFailure is what `request` rejects with: any Error carrying `maybeHandled`, which
 * says whether the peer MAY have acted on the request. `false` only when it certainly did not
 * (never sent: no connection, too large; or the peer has no handler); a lost connection or a
 * timeout after sending is `true`. Forwarding decides "certainly not applied" vs "outcome
 * unknown" from it alone, so a transport MUST NOT say false when unsure.
 */
export interface PeerRequestFailure extends Error {
  readonly code: string;
  readonly maybeHandled: boolean;
}

/**
 * PeerRequests is the capability. Payloads are plain data: `null`, booleans, numbers, strings,
 * `Uint8Array`, arrays and plain objects of those.
 */
export interface PeerRequests {
  /** request sends `payload` to peer `to` and resolves with its handler's answer, within `timeoutMs`. Rejects PeerRequestFailure. */
  request(to: NodeId, payload: unknown, timeoutMs: number): Promise<unknown>;
  /** onRequest sets the handler that answers peers' requests; undefined makes requests fail with `maybeHandled: false`. */
  onRequest(handler: PeerRequestHandler | undefined): void;
}

/** RequestTransport is a Transport with the PeerRequests capability. */
export type RequestTransport = Transport & PeerRequests;

/** supportsPeerRequests tells whether `transport` has the PeerRequests capability. */
export function supportsPeerRequests(transport: Transport): transport is RequestTransport {
  const candidate = transport as Partial<PeerRequests>;
  return typeof candidate.request === 'function' && typeof candidate.onRequest === 'function';
}
